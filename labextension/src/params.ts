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
  if (type === 'str') {
    return value === null || value === undefined ? '' : String(value);
  }
  return value === undefined ? '' : JSON.stringify(value);
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
  }
}

/**
 * Every parameter's value, ready to send, or the errors by name. Defaults are sent too, so a
 * run record (and a comparison of two runs) shows every value the run used.
 */
export function collectParameters(
  parameters: Parameter[],
  texts: Record<string, string>
): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const parameter of parameters) {
    const text = texts[parameter.name] ?? formatValue(parameter.type, parameter.default);
    const parsed = parseValue(parameter.type, text);
    if (parsed.error !== null) {
      errors[parameter.name] = parsed.error;
    } else {
      values[parameter.name] = parsed.value;
    }
  }
  return { values, errors };
}
