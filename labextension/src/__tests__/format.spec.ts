import { formatCounts, formatDuration, formatInstant, formatRelative, elapsed, shortRunId, stepProgress } from '../format';
import { Run } from '../types';

describe('formatDuration', () => {
  it('reads at every scale', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(7800)).toBe('2 h 10 min');
    expect(formatDuration(null)).toBe('');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('says in or ago', () => {
    expect(formatRelative('2026-01-01T12:05:00Z', now)).toBe('in 5 min');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2026-01-08T12:00:00Z', now)).toBe('in 7 days');
  });
});

describe('runs', () => {
  const run = {
    started_at: '2026-01-01T12:00:00Z',
    ended_at: null,
    steps: [
      { name: 'a', status: 'succeeded', duration: 1, error: null },
      { name: 'b', status: 'running', duration: null, error: null }
    ]
  } as unknown as Run;
  it('measures a running run up to now', () => {
    expect(elapsed(run, new Date('2026-01-01T12:00:30Z'))).toBe(30);
  });
  it('counts finished steps', () => {
    expect(stepProgress(run.steps)).toBe('1/2 steps');
  });
});

describe('formatInstant', () => {
  it('shows the time in the given zone, with its name', () => {
    const text = formatInstant('2026-01-05T06:00:00Z', 'Asia/Tokyo');
    expect(text).toMatch(/15:00|3:00/);
    expect(text).toMatch(/GMT\+9|JST/);
    expect(formatInstant('2026-01-05T06:00:00Z')).toMatch(/2026/);
  });
});

describe('formatCounts', () => {
  it('lists statuses with runs, most advanced first', () => {
    expect(formatCounts({ queued: 6, succeeded: 40, failed: 2, running: 0, timed_out: 1 })).toBe(
      '40 succeeded · 2 failed · 1 timed out · 6 queued'
    );
    expect(formatCounts({})).toBe('');
  });
});

describe('shortRunId', () => {
  it('drops the date, which every run of a day shares', () => {
    expect(shortRunId('20261201-170520-09ad07')).toBe('170520-09ad07');
    expect(shortRunId('custom-id')).toBe('custom-id');
  });
});
