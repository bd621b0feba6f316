/**
 * Reading and writing a cell's `%%mlstep NAME [--after A,B] [options]` first line.
 * Pure: no JupyterLab imports, so jest tests it directly. The server's parser
 * (jupyter_mlops/pipeline/declarations.py) stays the judge of what is valid.
 */

export const MAGIC = '%%mlstep';

/** A step name as the server accepts it: a Python identifier. */
export const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface StepLine {
  name: string;
  /** null: no `--after`, so the step depends on the one before it. */
  after: string[] | null;
  /** The other options, word by word, kept as written. */
  options: string[];
}

function lines(source: string): { first: string; rest: string | null } {
  const newline = source.indexOf('\n');
  return newline < 0
    ? { first: source, rest: null }
    : { first: source.slice(0, newline), rest: source.slice(newline + 1) };
}

function names(value: string): string[] {
  return value
    .replace(/^["']|["']$/g, '')
    .split(',')
    .map(name => name.trim())
    .filter(name => name.length > 0);
}

/** The declaration on a cell's first line, or null when the cell is not a step. */
export function parseStepLine(source: string): StepLine | null {
  const first = lines(source).first.trim();
  if (first !== MAGIC && !first.startsWith(MAGIC + ' ')) {
    return null;
  }
  const words = first.slice(MAGIC.length).trim().split(/\s+/).filter(Boolean);
  const result: StepLine = { name: '', after: null, options: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === '--after' || word.startsWith('--after=')) {
      const value = word === '--after' ? (words[++i] ?? '') : word.slice('--after='.length);
      result.after = [...(result.after ?? []), ...names(value)];
    } else if (!result.name && !word.startsWith('-')) {
      result.name = word;
    } else {
      result.options.push(word);
    }
  }
  return result;
}

/** The `%%mlstep` line for a declaration. An empty `after` is written out: a step with no dependency. */
export function formatStepLine(step: StepLine): string {
  const words = [MAGIC, step.name];
  if (step.after !== null) {
    words.push('--after', step.after.length > 0 ? step.after.join(',') : '""');
  }
  return [...words, ...step.options].join(' ');
}

/**
 * The cell source declaring `name` after `after`: edits the existing `%%mlstep` line
 * (keeping its other options) or inserts one above the code.
 */
export function withStep(source: string, name: string, after: string[] | null): string {
  const current = parseStepLine(source);
  const line = formatStepLine({ name, after, options: current?.options ?? [] });
  if (current === null) {
    return source.length > 0 ? `${line}\n${source}` : line;
  }
  const { rest } = lines(source.replace(/^\n+/, ''));
  return rest === null ? line : `${line}\n${rest}`;
}

/** The cell source without its `%%mlstep` line (unchanged when it has none). */
export function withoutStep(source: string): string {
  if (parseStepLine(source) === null) {
    return source;
  }
  return lines(source.replace(/^\n+/, '')).rest ?? '';
}

/**
 * What to write as `--after` for chosen dependencies: null (no option) when they are exactly
 * the implicit one, the step before; otherwise the list, possibly empty.
 */
export function afterOption(chosen: string[], previous: string | null): string[] | null {
  const implicit = previous === null ? [] : [previous];
  const same = chosen.length === implicit.length && chosen.every(name => implicit.includes(name));
  return same ? null : chosen;
}

/** Why a name cannot be a new step's name, or null when it can. */
export function stepNameProblem(name: string, taken: string[]): string | null {
  if (!STEP_NAME.test(name)) {
    return 'letters, digits and _, not starting with a digit';
  }
  return taken.includes(name) ? `another cell already declares step ${name}` : null;
}
