/**
 * A run's steps on one time axis, for its timeline: where each step's bar starts and how wide it
 * is, as fractions of the run's span. Pure, so jest tests it.
 */
import { StepResult } from './types';

export interface TimelineBar {
  name: string;
  status: string;
  /** 0 … 1 of the span; null for a step that never started. */
  left: number | null;
  width: number | null;
  attempts: number;
  duration: number | null;
}

/** `now` closes a step (or run) still running. */
export function timeline(
  run: { started_at: string | null; ended_at: string | null; steps: StepResult[] },
  now: Date
): { bars: TimelineBar[]; span: number } {
  const time = (iso: string | null | undefined) => (iso ? new Date(iso).getTime() : null);
  const starts = run.steps.map(step => time(step.started_at)).filter((t): t is number => t !== null);
  const start = time(run.started_at) ?? (starts.length > 0 ? Math.min(...starts) : null);
  const end = time(run.ended_at) ?? now.getTime();
  const span = start === null ? 0 : Math.max(end - start, 1);
  const bars = run.steps.map(step => {
    const from = time(step.started_at);
    const to = time(step.ended_at) ?? (from !== null ? now.getTime() : null);
    const placed = start !== null && from !== null && to !== null;
    return {
      name: step.name,
      status: step.status,
      left: placed ? Math.min(Math.max((from - start) / span, 0), 1) : null,
      width: placed ? Math.min(Math.max((to - from) / span, 0), 1) : null,
      attempts: step.attempts ?? 0,
      duration: step.duration
    };
  });
  return { bars, span: span / 1000 };
}
