/**
 * A run's environment as typed in the dialogs: `NAME=VALUE` lines for variables, `NAME` or
 * `VAR=NAME` lines for secrets (the CLI's --env and --secret). Pure, so jest tests it; the
 * server checks the result once more.
 */
export type ParsedLines = { values: Record<string, string>; error: null } | { values: null; error: string };

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

const lines = (text: string) =>
  text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '');

/** `NAME=VALUE` lines (the value may be empty or hold '='). */
export function parseEnv(text: string): ParsedLines {
  const values: Record<string, string> = {};
  for (const line of lines(text)) {
    const at = line.indexOf('=');
    const name = at < 0 ? line : line.slice(0, at);
    if (at < 0 || !VARIABLE.test(name)) {
      return { values: null, error: `"${line}" is not NAME=VALUE with a valid variable name` };
    }
    values[name] = line.slice(at + 1);
  }
  return { values, error: null };
}

/** `NAME` (as $NAME) or `VAR=NAME` (secret NAME as $VAR) lines: variable -> secret name. */
export function parseSecrets(text: string): ParsedLines {
  const values: Record<string, string> = {};
  for (const line of lines(text)) {
    const at = line.indexOf('=');
    const [variable, name] = at < 0 ? [line, line] : [line.slice(0, at), line.slice(at + 1)];
    if (!VARIABLE.test(variable) || !SECRET.test(name)) {
      return { values: null, error: `"${line}" is not NAME or VAR=NAME` };
    }
    values[variable] = name;
  }
  return { values, error: null };
}

export function formatEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}

export function formatSecrets(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([variable, name]) => (variable === name ? name : `${variable}=${name}`))
    .join('\n');
}
