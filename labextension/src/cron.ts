/**
 * Cron presets for the schedule dialog. Pure, so jest tests it directly; the server
 * describes a cron in words and computes its fire times (`GET schedules/preview`).
 */

export interface CronPreset {
  id: string;
  label: string;
  cron: string;
}

export const PRESETS: CronPreset[] = [
  { id: 'hourly', label: 'Hourly', cron: '0 * * * *' },
  { id: 'daily', label: 'Daily', cron: '0 6 * * *' },
  { id: 'weekly', label: 'Weekly', cron: '0 6 * * 1' }
];

export const CUSTOM = 'custom';

/** The preset a cron expression is (ignoring spacing), or `custom`. */
export function presetOf(cron: string): string {
  const normal = cron.trim().split(/\s+/).join(' ');
  return PRESETS.find(preset => preset.cron === normal)?.id ?? CUSTOM;
}

/** Quick shape check before asking the server: 5 fields, or 6 with seconds first. */
export function cronShapeProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/).filter(Boolean).length;
  return fields === 5 || fields === 6 ? null : 'a cron has 5 fields (minute hour day month weekday)';
}
