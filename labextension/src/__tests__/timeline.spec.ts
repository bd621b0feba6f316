import { timeline } from '../timeline';

describe('timeline', () => {
  it('places each step on the run span, a running one up to now, an unstarted one nowhere', () => {
    const run = {
      started_at: '2026-01-01T00:00:00Z',
      ended_at: null,
      steps: [
        { name: 'a', status: 'succeeded' as const, started_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T00:00:02Z', duration: 2, attempts: 1, error: null },
        { name: 'b', status: 'running' as const, started_at: '2026-01-01T00:00:02Z', ended_at: null, duration: null, attempts: 2, error: null },
        { name: 'c', status: 'pending' as const, duration: null, error: null }
      ]
    };
    const { bars, span } = timeline(run, new Date('2026-01-01T00:00:04Z'));
    expect(span).toBe(4);
    expect(bars.map(b => [b.name, b.left, b.width, b.attempts])).toEqual([
      ['a', 0, 0.5, 1],
      ['b', 0.5, 0.5, 2],
      ['c', null, null, 0]
    ]);
  });
});
