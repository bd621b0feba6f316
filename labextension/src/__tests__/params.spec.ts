import { collectAxes, collectParameters, formatValue, initialText, parseValue } from '../params';
import { Parameter } from '../types';

describe('parseValue', () => {
  it('reads each type', () => {
    expect(parseValue('int', ' 42 ')).toEqual({ value: 42, error: null });
    expect(parseValue('float', '0.5')).toEqual({ value: 0.5, error: null });
    expect(parseValue('float', '1e-3').value).toBe(0.001);
    expect(parseValue('str', ' a b ')).toEqual({ value: ' a b ', error: null });
    expect(parseValue('bool', 'false')).toEqual({ value: false, error: null });
    expect(parseValue('list', '[1, "a"]').value).toEqual([1, 'a']);
    expect(parseValue('dict', '{"k": 1}').value).toEqual({ k: 1 });
    expect(parseValue('NoneType', '').value).toBeNull();
    expect(parseValue('NoneType', '"x"').value).toBe('x');
  });
  it('names what is wrong', () => {
    expect(parseValue('int', '1.5').error).toMatch(/whole number/);
    expect(parseValue('float', '').error).toMatch(/number/);
    expect(parseValue('float', 'abc').error).toMatch(/number/);
    expect(parseValue('bool', 'yes').error).toMatch(/true or false/);
    expect(parseValue('list', '{"a": 1}').error).toMatch(/JSON list/);
    expect(parseValue('dict', '[1]').error).toMatch(/JSON object/);
    expect(parseValue('dict', '{').error).toMatch(/valid JSON/);
  });
});

describe('formatValue', () => {
  it('shows defaults as editable text', () => {
    expect(formatValue('str', 'abc')).toBe('abc');
    expect(formatValue('float', 0.5)).toBe('0.5');
    expect(formatValue('list', [1, 2])).toBe('[1,2]');
    expect(formatValue('NoneType', null)).toBe('null');
  });
});

describe('collectParameters', () => {
  const parameters: Parameter[] = [
    { name: 'alpha', type: 'float', default: 0.5, cell_index: 1 },
    { name: 'n', type: 'int', default: 3, cell_index: 1 }
  ];
  it('sends every value, defaults included', () => {
    expect(collectParameters(parameters, { n: '7' })).toEqual({
      values: { alpha: 0.5, n: 7 },
      errors: {}
    });
  });
  it('reports errors by name', () => {
    expect(collectParameters(parameters, { alpha: 'x' }).errors).toEqual({ alpha: 'must be a number' });
  });
});

describe('parameters of unknown type (a default computed by the notebook)', () => {
  const computed: Parameter[] = [
    { name: 'path', type: 'any', default: null, source: 'os.getcwd()', cell_index: 0 },
    { name: 'n', type: 'int', default: null, source: "int('3')", cell_index: 0 },
    { name: 'alpha', type: 'float', default: 0.5, source: null, cell_index: 0 }
  ];
  it('start empty and are left to the notebook unless given', () => {
    expect(computed.map(initialText)).toEqual(['', '', '0.5']);
    expect(collectParameters(computed, {})).toEqual({ values: { alpha: 0.5 }, errors: {} });
    expect(collectAxes(computed, { path: '', n: '' })).toEqual({ axes: {}, errors: {} });
  });
  it('read a given value as JSON, else as text; a declared type is still checked', () => {
    expect(collectParameters(computed, { path: '/data', n: '4' }).values).toEqual({ path: '/data', n: 4, alpha: 0.5 });
    expect(parseValue('any', '[1, 2]').value).toEqual([1, 2]);
    expect(parseValue('any', 'true').value).toBe(true);
    expect(collectParameters(computed, { n: 'four' }).errors).toEqual({ n: 'must be a whole number' });
    expect(collectAxes(computed, { path: '/a, /b' }).axes).toEqual({ path: ['/a', '/b'] });
  });
  it('show a schedule value so that it reads back the same', () => {
    expect(formatValue('any', '/data')).toBe('/data');
    expect(formatValue('any', '1')).toBe('"1"');
    expect(formatValue('any', [1])).toBe('[1]');
    expect(parseValue('any', formatValue('any', '1')).value).toBe('1');
  });
});
