import { collectAxes, expandGrid, parseAxis } from '../params';
import { Parameter } from '../types';

describe('parseAxis', () => {
  it('reads values of each type', () => {
    expect(parseAxis('float', '0.1, 0.2,0.3')).toEqual({ values: [0.1, 0.2, 0.3], error: null });
    expect(parseAxis('int', '3,5')).toEqual({ values: [3, 5], error: null });
    expect(parseAxis('bool', 'true, false')).toEqual({ values: [true, false], error: null });
    expect(parseAxis('list', '[1, 2], [3]')).toEqual({ values: [[1, 2], [3]], error: null });
    expect(parseAxis('str', 'a, b c')).toEqual({ values: ['a', 'b c'], error: null });
  });
  it('names the value at fault', () => {
    expect(parseAxis('int', '3, 4.5').error).toBe('value 2 must be a whole number');
    expect(parseAxis('int', '4.5').error).toBe('must be a whole number');
    expect(parseAxis('float', '0.1, abc').error).toBe('value 2 must be a number');
    expect(parseAxis('dict', '[1]').error).toMatch(/JSON object/);
    expect(parseAxis('float', '  ').error).toMatch(/at least one value/);
  });
});

describe('collectAxes', () => {
  const parameters: Parameter[] = [
    { name: 'alpha', type: 'float', default: 0.5, cell_index: 0 },
    { name: 'depth', type: 'int', default: 3, cell_index: 0 },
    { name: 'label', type: 'str', default: 'x', cell_index: 0 }
  ];
  it('keeps only the parameters changed from their default', () => {
    expect(collectAxes(parameters, { alpha: '0.1, 0.2', depth: '3', label: 'x' })).toEqual({
      axes: { alpha: [0.1, 0.2] },
      errors: {}
    });
  });
  it('reports errors by parameter', () => {
    expect(collectAxes(parameters, { depth: '3, x' }).errors).toEqual({ depth: 'value 2 must be a whole number' });
  });
});

describe('expandGrid', () => {
  it('is the cartesian product, last axis fastest', () => {
    expect(expandGrid({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' }
    ]);
  });
  it('is one empty set without axes', () => {
    expect(expandGrid({})).toEqual([{}]);
  });
});
