import { metricChart, niceTicks } from '../chart';
import { BatchResults, ResultRow } from '../types';

const row = (id: string, parameters: Record<string, unknown>, metrics: Record<string, unknown>): ResultRow => ({
  run_id: id,
  status: 'succeeded',
  duration: 1,
  parameters,
  metrics,
  error: null
});

const box = { width: 120, height: 70, left: 20, bottom: 10, pad: 0 };

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 100)).toEqual([0, 50, 100]);
    expect(niceTicks(2, 9)).toEqual([2, 4, 6, 8]);
    expect(niceTicks(0.13, 0.91)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('metricChart', () => {
  const results: BatchResults = {
    batch_id: 'b',
    parameters: ['alpha', 'depth'],
    metrics: ['accuracy'],
    rows: [
      row('r1', { alpha: 0, depth: 3 }, { accuracy: 0.5 }),
      row('r2', { alpha: 0, depth: 5 }, { accuracy: 0.7 }),
      row('r3', { alpha: 1, depth: 3 }, { accuracy: 1 }),
      row('r4', { alpha: 1, depth: 5 }, {}) // failed before recording
    ]
  };

  it('places numeric parameters by value and metrics bottom-up', () => {
    const chart = metricChart(results, 'alpha', 'accuracy', box);
    expect(chart.points.map(p => [p.runId, p.cx, p.cy])).toEqual([
      ['r1', 20, 60],
      ['r2', 20, 36],
      ['r3', 120, 0]
    ]);
    expect(chart.points[1].title).toBe('alpha=0, depth=5 → accuracy 0.7');
    expect(chart.missing).toBe(1);
  });

  it('draws the mean at each parameter value, in order', () => {
    const chart = metricChart(results, 'alpha', 'accuracy', box);
    expect(chart.meanLine).toEqual([
      { x: 20, y: 48 },
      { x: 120, y: 0 }
    ]);
  });

  it('spaces non-numeric values evenly in order of appearance', () => {
    const text: BatchResults = {
      ...results,
      rows: [row('a', { kind: 'ridge' }, { accuracy: 1 }), row('b', { kind: 'lasso' }, { accuracy: 2 })]
    };
    const chart = metricChart(text, 'kind', 'accuracy', box);
    expect(chart.xTicks).toEqual([
      { at: 20, label: 'ridge' },
      { at: 120, label: 'lasso' }
    ]);
  });

  it('has nothing to draw without numeric values', () => {
    const chart = metricChart(results, 'alpha', 'loss', box);
    expect(chart.points).toEqual([]);
    expect(chart.xTicks).toEqual([]);
    expect(chart.missing).toBe(4);
  });
});
