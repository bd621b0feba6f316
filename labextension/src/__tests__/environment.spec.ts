import { formatSecrets, parseEnv, parseSecrets } from '../environment';

describe('environment lines', () => {
  it('reads NAME=VALUE lines, values with = and empty ones', () => {
    expect(parseEnv('A=1\n\n B=x=y \nC=')).toEqual({ values: { A: '1', B: 'x=y', C: '' }, error: null });
  });
  it('refuses a line without = or with a bad name', () => {
    expect(parseEnv('A').error).toContain('"A"');
    expect(parseEnv('1A=2').error).toContain('"1A=2"');
  });
  it('reads secrets as NAME or VAR=NAME and formats them back', () => {
    const parsed = parseSecrets('DB_PASSWORD\nPGPASSWORD=DB_PASSWORD');
    expect(parsed).toEqual({ values: { DB_PASSWORD: 'DB_PASSWORD', PGPASSWORD: 'DB_PASSWORD' }, error: null });
    expect(formatSecrets(parsed.values!)).toBe('DB_PASSWORD\nPGPASSWORD=DB_PASSWORD');
    expect(parseSecrets('X=../etc').error).toContain('../etc');
  });
});
