import { EMPTY_NOTIFY, draftOf, notifyOf } from '../notify';
import { historyChart } from '../history';

describe('notifyOf', () => {
  it('sends nothing without a channel', () => {
    expect(notifyOf(EMPTY_NOTIFY)).toEqual({ notify: null, errors: {} });
  });

  it('reads the fields as the API wants them', () => {
    const { notify, errors } = notifyOf({
      ...EMPTY_NOTIFY,
      emails: 'ana@example.org, ops@example.org',
      slackSecret: 'team-slack',
      events: ['failure', 'slow', 'alert'],
      slowAfter: '600',
      alerts: 'accuracy < 0.8\nloss changes by 0.05\n'
    });
    expect(errors).toEqual({});
    expect(notify).toEqual({
      email: ['ana@example.org', 'ops@example.org'],
      slack_secret: 'team-slack',
      webhook: null,
      events: ['failure', 'slow', 'alert'],
      slow_after: 600,
      alerts: ['accuracy < 0.8', 'loss changes by 0.05']
    });
    expect(draftOf(notify).emails).toBe('ana@example.org, ops@example.org');
  });

  it('names each wrong field', () => {
    const { errors } = notifyOf({
      ...EMPTY_NOTIFY,
      emails: 'nobody',
      slackSecret: 'https://hooks.slack.com/x',
      webhook: 'ftp://x',
      events: ['slow'],
      alerts: 'accuracy is bad'
    });
    expect(Object.keys(errors).sort()).toEqual(['alerts', 'emails', 'slackSecret', 'slowAfter', 'webhook']);
  });
});

describe('historyChart', () => {
  const box = { width: 280, height: 170, left: 36, bottom: 22, pad: 12 };
  const history = {
    schedule_id: 's',
    metrics: ['accuracy'],
    numeric: ['accuracy'],
    thresholds: [
      { metric: 'accuracy', op: '<', value: 0.8 },
      { metric: 'accuracy', op: 'changes by', value: 0.1 }
    ],
    points: [
      { run_id: 'a', at: '2026-01-01T03:00:00Z', status: 'succeeded' as const, metrics: { accuracy: 0.9 } },
      { run_id: 'b', at: '2026-01-02T03:00:00Z', status: 'check_failed' as const, metrics: { accuracy: 0.7 } },
      { run_id: 'c', at: '2026-01-03T03:00:00Z', status: 'failed' as const, metrics: {} }
    ]
  };

  it('places runs by time, marks failures and draws the threshold', () => {
    const chart = historyChart(history, 'accuracy', box);
    expect(chart.points.map(p => [p.runId, p.failed])).toEqual([
      ['a', false],
      ['b', true]
    ]);
    expect(chart.points[0].cx).toBe(box.left + box.pad);
    expect(chart.points[1].cx).toBe(box.width - box.pad);
    expect(chart.thresholds).toHaveLength(1);
    expect(chart.thresholds[0].label).toBe('< 0.8');
    // 0.8 lies between the two points.
    expect(chart.thresholds[0].y).toBeGreaterThan(chart.points[0].cy);
    expect(chart.thresholds[0].y).toBeLessThan(chart.points[1].cy);
  });
});
