import { fileName } from '../paths';

describe('fileName', () => {
  it('keeps the last path segment', () => {
    expect(fileName('a/b/train.ipynb')).toBe('train.ipynb');
    expect(fileName('train.ipynb')).toBe('train.ipynb');
  });

  it('ignores leading, trailing and doubled slashes', () => {
    expect(fileName('/a//b/')).toBe('b');
    expect(fileName('')).toBe('');
  });
});
