/**
 * Typed parameter inputs: a papermill parameter's default shown as text, and text read back
 * as a value of the parameter's type. Pure, so jest tests it directly.
 */
import { Parameter, ParameterType } from './types';

export type Parsed = { value: unknown; error: null } | { value: null; error: string };

const ok = (value: unknown): Parsed => ({ value, error: null });
const bad = (error: string): Parsed => ({ value: null, error });

/** The text an input starts with for a default value. */
export function formatValue(type: ParameterType, value: unknown): string {
  if (type === 'any') {
    // Text that reads back as itself stays bare (a path); anything else as JSON.
    if (value === null || value === undefined) {
      return '';
    }
    return typeof value === 'string' && json(value).error ? value : JSON.stringify(value);
  }
  if (type === 'str') {
    return value === null || value === undefined ? '' : String(value);
  }
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * The text a parameter's input starts with: its default, or nothing when the default is only
 * known as source (`path = os.getcwd()`), which the notebook then computes itself.
 */
export function initialText(parameter: Parameter): string {
  return parameter.source ? '' : formatValue(parameter.type, parameter.default);
}

/** Whether an input's text leaves the parameter to the notebook (an empty input of a computed default). */
export function keepsNotebookDefault(parameter: Parameter, text: string): boolean {
  return Boolean(parameter.source) && text.trim() === '';
}

function json(text: string): Parsed {
  try {
    return ok(JSON.parse(text));
  } catch {
    return bad('is not valid JSON');
  }
}

/** The value of an input's text for a parameter of `type`, or why it is not one. */
export function parseValue(type: ParameterType, text: string): Parsed {
  const trimmed = text.trim();
  switch (type) {
    case 'str':
      return ok(text);
    case 'int':
      return /^[-+]?\d+$/.test(trimmed) ? ok(parseInt(trimmed, 10)) : bad('must be a whole number');
    case 'float': {
      const number = Number(trimmed);
      return trimmed !== '' && Number.isFinite(number) ? ok(number) : bad('must be a number');
    }
    case 'bool':
      return trimmed === 'true' || trimmed === 'false' ? ok(trimmed === 'true') : bad('must be true or false');
    case 'list': {
      const parsed = json(trimmed);
      return parsed.error || Array.isArray(parsed.value) ? parsed : bad('must be a JSON list, e.g. [1, 2]');
    }
    case 'dict': {
      const parsed = json(trimmed);
      const isObject =
        typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value);
      return parsed.error || isObject ? parsed : bad('must be a JSON object, e.g. {"a": 1}');
    }
    case 'NoneType':
      // A default of None says nothing of the type: any JSON value, empty for None.
      return trimmed === '' ? ok(null) : json(trimmed);
    case 'any': {
      // As `-p NAME VALUE` reads it: JSON when it is JSON (1, true, [1]), else the text itself.
      if (trimmed === '') {
        return bad('give a value, or leave it to the notebook');
      }
      const parsed = json(trimmed);
      return parsed.error ? ok(text) : parsed;
    }
  }
}

/**
 * Every parameter's value, ready to send, or the errors by name. Defaults are sent too, so a
 * run record (and a comparison of two runs) shows every value the run used; a default known
 * only as source is left to the notebook unless the user gives a value.
 */
export function collectParameters(
  parameters: Parameter[],
  texts: Record<string, string>
): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const parameter of parameters) {
    const text = texts[parameter.name] ?? initialText(parameter);
    if (keepsNotebookDefault(parameter, text)) {
      continue; // the notebook computes it: nothing to send
    }
    const parsed = parseValue(parameter.type, text);
    if (parsed.error !== null) {
      errors[parameter.name] = parsed.error;
    } else {
      values[parameter.name] = parsed.value;
    }
  }
  return { values, errors };
}

export type ParsedAxis = { values: unknown[]; error: null } | { values: null; error: string };

/**
 * The values of a batch axis, as `jupyter-mlops batch -p NAME v1,v2` reads them: text
 * parameters split on commas and stay text; others read the whole as a JSON list, so
 * `0.1, 0.2`, `true, false` and `[1, 2], [3]` (two list values) all work. Each value is then
 * checked like a single input of the parameter's type.
 */
export function parseAxis(type: ParameterType, text: string): ParsedAxis {
  if (text.trim() === '') {
    return { values: null, error: 'give at least one value' };
  }
  // Each part is read as one input would be: from the JSON list's items, else from the text
  // between commas (so a bad part is named, as the CLI names it).
  let parts: string[];
  if (type === 'str') {
    parts = text.split(',').map(part => part.trim());
  } else {
    try {
      parts = (JSON.parse(`[${text}]`) as unknown[]).map(value => JSON.stringify(value));
    } catch {
      parts = text.split(',').map(part => part.trim());
    }
  }
  const values: unknown[] = [];
  for (const [index, part] of parts.entries()) {
    const parsed = parseValue(type, part);
    if (parsed.error !== null) {
      return { values: null, error: parts.length > 1 ? `value ${index + 1} ${parsed.error}` : parsed.error };
    }
    values.push(parsed.value);
  }
  return { values, error: null };
}

/**
 * A batch's axes: each parameter whose text the user changed from its default, with its
 * values, or the errors by name. Unchanged parameters keep the notebook's default in every run,
 * so the results table shows only what varies.
 */
export function collectAxes(
  parameters: Parameter[],
  texts: Record<string, string>
): { axes: Record<string, unknown[]>; errors: Record<string, string> } {
  const axes: Record<string, unknown[]> = {};
  const errors: Record<string, string> = {};
  for (const parameter of parameters) {
    const text = texts[parameter.name];
    if (text === undefined || text === initialText(parameter) || keepsNotebookDefault(parameter, text)) {
      continue;
    }
    const parsed = parseAxis(parameter.type, text);
    if (parsed.error !== null) {
      errors[parameter.name] = parsed.error;
    } else {
      axes[parameter.name] = parsed.values;
    }
  }
  return { axes, errors };
}

/** Every combination of the axes' values (the last axis varies fastest, as in the CLI); one empty set without axes. */
export function expandGrid(axes: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(axes).reduce<Record<string, unknown>[]>(
    (points, [name, values]) => points.flatMap(point => values.map(value => ({ ...point, [name]: value }))),
    [{}]
  );
}
