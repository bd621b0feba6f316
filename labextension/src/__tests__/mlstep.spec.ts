import {
  afterOption,
  formatStepLine,
  parseStepLine,
  stepNameProblem,
  withoutStep,
  withStep
} from '../mlstep';

describe('parseStepLine', () => {
  it('reads name, dependencies and other options', () => {
    expect(parseStepLine('%%mlstep train --after prep,load --retries 2\nfit()')).toEqual({
      name: 'train',
      after: ['prep', 'load'],
      options: ['--retries', '2']
    });
  });
  it('accepts --after=, repeated --after and an empty one', () => {
    expect(parseStepLine('%%mlstep b --after=a --after c')?.after).toEqual(['a', 'c']);
    expect(parseStepLine('%%mlstep b --after ""')?.after).toEqual([]);
  });
  it('says null for a cell that is not a step', () => {
    expect(parseStepLine('x = 1')).toBeNull();
    expect(parseStepLine('%%mlstepper a')).toBeNull();
    expect(parseStepLine('')).toBeNull();
  });
});

describe('withStep', () => {
  it('inserts a line above the code', () => {
    expect(withStep('x = 1', 'load', null)).toBe('%%mlstep load\nx = 1');
    expect(withStep('', 'load', ['a'])).toBe('%%mlstep load --after a');
  });
  it('edits an existing line and keeps its options', () => {
    const source = '%%mlstep old --after a --timeout 60\nx = 1\ny = 2';
    expect(withStep(source, 'new', ['b', 'c'])).toBe(
      '%%mlstep new --after b,c --timeout 60\nx = 1\ny = 2'
    );
    expect(withStep(source, 'new', null)).toBe('%%mlstep new --timeout 60\nx = 1\ny = 2');
  });
  it('writes an empty dependency list out', () => {
    expect(formatStepLine({ name: 'a', after: [], options: [] })).toBe('%%mlstep a --after ""');
  });
});

describe('withoutStep', () => {
  it('drops only the %%mlstep line', () => {
    expect(withoutStep('%%mlstep a --after b\nx = 1\ny = 2')).toBe('x = 1\ny = 2');
    expect(withoutStep('%%mlstep a')).toBe('');
    expect(withoutStep('x = 1')).toBe('x = 1');
  });
});

describe('afterOption', () => {
  it('leaves the implicit dependency implicit', () => {
    expect(afterOption(['prep'], 'prep')).toBeNull();
    expect(afterOption([], null)).toBeNull();
  });
  it('writes anything else', () => {
    expect(afterOption(['a', 'b'], 'b')).toEqual(['a', 'b']);
    expect(afterOption([], 'prep')).toEqual([]);
  });
});

describe('stepNameProblem', () => {
  it('refuses bad and taken names', () => {
    expect(stepNameProblem('1x', [])).toMatch(/letters/);
    expect(stepNameProblem('a-b', [])).toMatch(/letters/);
    expect(stepNameProblem('train', ['train'])).toMatch(/already/);
    expect(stepNameProblem('train', ['prep'])).toBeNull();
  });
});
