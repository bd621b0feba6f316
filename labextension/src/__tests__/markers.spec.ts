import { markCells } from '../markers';

const code = (source: string, tags: string[] = []) => ({ type: 'code', source, tags });
const md = (source: string) => ({ type: 'markdown', source, tags: [] });

describe('markCells', () => {
  it('marks the prelude, the parameters cell and each step across its cells', () => {
    const marks = markCells([
      md('# title'),
      code('alpha = 1', ['parameters']),
      code('import os'),
      code('%%mlstep prepare\nx = 1'),
      md('notes'),
      code('y = 2'),
      code('%%mlstep train --after prepare --retries 2\nz = 3'),
      code('%%mlcheck quality\nassert z')
    ]);
    expect(marks.map(m => [m.role, m.step, m.first])).toEqual([
      ['prelude', null, false],
      ['parameters', null, false],
      ['prelude', null, false],
      ['step', 'prepare', true],
      ['step', 'prepare', false],
      ['step', 'prepare', false],
      ['step', 'train', true],
      ['step', 'quality', true]
    ]);
    expect(marks[6].after).toEqual(['prepare']);
    expect(marks[7]).toMatchObject({ kind: 'check', after: ['train'] }); // the step before, implicitly
    expect(new Set([marks[3].color, marks[6].color, marks[7].color]).size).toBe(3);
  });

  it('reads the tag form and an explicit empty --after', () => {
    const marks = markCells([code('a = 1', ['mlstep:load']), code('b = 2', ['mlstep:fit', 'after:']), code('%%mlstep c --after ""')]);
    expect(marks.map(m => [m.step, m.after])).toEqual([
      ['load', []],
      ['fit', []],
      ['c', []]
    ]);
  });
});
