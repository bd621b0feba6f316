/**
 * How times, durations and progress read in the panel. Pure, so jest tests it directly.
 */
import { StepResult } from './types';

/** `0.4 s`, `12 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '';
  }
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A run's or batch's duration so far (running) or in total, from its timestamps. */
export function elapsed(record: { started_at: string | null; ended_at: string | null }, now: Date): number | null {
  if (!record.started_at) {
    return null;
  }
  const end = record.ended_at ? new Date(record.ended_at) : now;
  return (end.getTime() - new Date(record.started_at).getTime()) / 1000;
}

/** `in 5 min`, `3 h ago`, relative to `now`. */
export function formatRelative(iso: string, now: Date): string {
  const seconds = (new Date(iso).getTime() - now.getTime()) / 1000;
  const magnitude = Math.abs(seconds);
  const text =
    magnitude < 60
      ? `${Math.round(magnitude)} s`
      : magnitude < 3600
        ? `${Math.round(magnitude / 60)} min`
        : magnitude < 86400 * 2
          ? `${Math.round(magnitude / 3600)} h`
          : `${Math.round(magnitude / 86400)} days`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/** A date and time in the reader's locale, with the zone's name when a zone is given.
 * (Fields, not dateStyle/timeStyle: those cannot be combined with timeZoneName.) */
export function formatInstant(iso: string, timeZone?: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: timeZone ? 'short' : undefined
  });
}

/** `2/3 steps` done. */
export function stepProgress(steps: StepResult[]): string {
  const done = steps.filter(step => step.status === 'succeeded').length;
  return `${done}/${steps.length} steps`;
}

/** Whether a run or batch can no longer change. */
export function isFinished(record: { status: string }): boolean {
  return record.status !== 'queued' && record.status !== 'running';
}

/** A batch's runs by status, most advanced first: `40 succeeded · 2 failed · 6 queued`. */
export function formatCounts(counts: Record<string, number>): string {
  const order = ['succeeded', 'failed', 'timed_out', 'lost', 'cancelled', 'running', 'queued'];
  const rank = (status: string) => (order.includes(status) ? order.indexOf(status) : order.length);
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([status, count]) => `${count} ${status.replace('_', ' ')}`)
    .join(' · ');
}

/** A run id short enough for a column or tab title: without its date (`170520-09ad07`), still unique in practice. */
export function shortRunId(id: string): string {
  return id.replace(/^\d{8}-/, '');
}
