/**
 * The geometry of a schedule's metric history: one metric against time, a point per finished run
 * (failed and check_failed runs marked), a line through them, and the alert thresholds as
 * horizontal lines. Pure (no DOM, no React), so jest tests it.
 */
import { Box, niceTicks, Tick } from './chart';
import { MetricHistory } from './types';

export interface HistoryPoint {
  cx: number;
  cy: number;
  runId: string;
  /** Failed or check_failed: drawn as a cross. */
  failed: boolean;
  title: string;
}

export interface HistoryChart {
  points: HistoryPoint[];
  line: { x: number; y: number }[];
  thresholds: { y: number; label: string }[];
  yTicks: Tick[];
  /** First and last run's day, under the x axis. */
  xLabels: { at: number; label: string }[];
}

const FAILED = new Set(['failed', 'check_failed', 'timed_out', 'lost']);

function scale(low: number, high: number, from: number, to: number): (value: number) => number {
  const round = (at: number) => Math.round(at * 100) / 100;
  return high === low ? () => round((from + to) / 2) : v => round(from + ((v - low) / (high - low)) * (to - from));
}

export function historyChart(history: MetricHistory, metric: string, box: Box): HistoryChart {
  const rows = history.points.filter(point => {
    const value = point.metrics[metric];
    return typeof value === 'number' && isFinite(value);
  });
  const times = rows.map(point => Date.parse(point.at));
  const values = rows.map(point => point.metrics[metric] as number);
  const limits = history.thresholds.filter(t => t.metric === metric && t.op !== 'changes by');
  const all = [...values, ...limits.map(t => t.value)];
  const [yLow, yHigh] = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
  const toX = scale(Math.min(...times), Math.max(...times), box.left + box.pad, box.width - box.pad);
  const toY = scale(yLow, yHigh, box.height - box.bottom - box.pad, box.pad);
  const points = rows.map((point, index) => ({
    cx: toX(times[index]),
    cy: toY(values[index]),
    runId: point.run_id,
    failed: FAILED.has(point.status),
    title: `${new Date(times[index]).toLocaleString()} · ${point.status} → ${metric} ${values[index]}`
  }));
  const day = (time: number) => new Date(time).toLocaleDateString();
  return {
    points,
    line: points.map(point => ({ x: point.cx, y: point.cy })),
    thresholds: limits.map(t => ({ y: toY(t.value), label: `${t.op} ${t.value}` })),
    yTicks: all.length ? niceTicks(yLow, yHigh).map(at => ({ at: toY(at), label: String(at) })) : [],
    xLabels: points.length
      ? [
          { at: points[0].cx, label: day(times[0]) },
          ...(points.length > 1 ? [{ at: points[points.length - 1].cx, label: day(times[times.length - 1]) }] : [])
        ]
      : []
  };
}
