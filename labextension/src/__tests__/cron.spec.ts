import { CUSTOM, cronShapeProblem, presetOf, PRESETS } from '../cron';

describe('presetOf', () => {
  it('recognises presets whatever the spacing', () => {
    for (const preset of PRESETS) {
      expect(presetOf(preset.cron)).toBe(preset.id);
    }
    expect(presetOf('  0  *  * * * ')).toBe('hourly');
    expect(presetOf('*/5 * * * *')).toBe(CUSTOM);
  });
});

describe('cronShapeProblem', () => {
  it('wants 5 or 6 fields', () => {
    expect(cronShapeProblem('0 6 * * *')).toBeNull();
    expect(cronShapeProblem('0 0 6 * * *')).toBeNull();
    expect(cronShapeProblem('0 6 * *')).toMatch(/5 fields/);
  });
});
