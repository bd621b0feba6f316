/**
 * The geometry of a batch's chart: one metric against one parameter, a point per run and a
 * line through the mean at each parameter value. Pure (no DOM, no React), so jest tests it.
 */
import { BatchResults } from './types';

export interface Box {
  width: number;
  height: number;
  /** Room left of and below the plot for the tick labels. */
  left: number;
  bottom: number;
  /** Room above and right of the plot, so edge points are not cut. */
  pad: number;
}

export interface Tick {
  at: number;
  label: string;
}

export interface ChartPoint {
  cx: number;
  cy: number;
  runId: string;
  /** e.g. `alpha=0.1, depth=3 → accuracy 0.93`. */
  title: string;
}

export interface Chart {
  points: ChartPoint[];
  /** Through the mean of the runs at each parameter value, in x order. */
  meanLine: { x: number; y: number }[];
  xTicks: Tick[];
  yTicks: Tick[];
  /** Runs left out: no numeric value of the metric (e.g. failed before recording it). */
  missing: number;
}

const label = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Round tick values spanning [low, high]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(low: number, high: number, wanted = 4): number[] {
  if (low === high) {
    return [low];
  }
  const raw = (high - low) / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * power).find(candidate => candidate >= raw)!;
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

/** A linear map of [low, high] onto [from, to] in hundredths of a pixel; a single value maps to the middle. */
function linear(low: number, high: number, from: number, to: number): (value: number) => number {
  const round = (at: number) => Math.round(at * 100) / 100;
  return high === low
    ? () => round((from + to) / 2)
    : value => round(from + ((value - low) / (high - low)) * (to - from));
}

export function metricChart(results: BatchResults, parameter: string, metric: string, box: Box): Chart {
  const rows = results.rows.filter(row => {
    const value = row.metrics[metric];
    return typeof value === 'number' && isFinite(value);
  });
  const xs = rows.map(row => row.parameters[parameter]);
  // Numbers are placed by value; anything else (text, lists, a mix) by first appearance.
  const numeric = xs.every(x => typeof x === 'number');
  const categories = [...new Set(xs.map(label))];
  const position = (value: unknown): number => (numeric ? (value as number) : categories.indexOf(label(value)));
  const positions = xs.map(position);
  const ys = rows.map(row => row.metrics[metric] as number);

  const [xLow, xHigh] = [Math.min(...positions), Math.max(...positions)];
  const [yLow, yHigh] = [Math.min(...ys), Math.max(...ys)];
  const toX = linear(xLow, xHigh, box.left + box.pad, box.width - box.pad);
  const toY = linear(yLow, yHigh, box.height - box.bottom - box.pad, box.pad);

  const points = rows.map((row, index) => {
    const others = Object.entries(row.parameters).map(([name, value]) => `${name}=${label(value)}`);
    return {
      cx: toX(positions[index]),
      cy: toY(ys[index]),
      runId: row.run_id,
      title: `${others.join(', ')} → ${metric} ${ys[index]}`
    };
  });

  const byPosition = new Map<number, number[]>();
  positions.forEach((at, index) => byPosition.set(at, [...(byPosition.get(at) ?? []), ys[index]]));
  const meanLine = [...byPosition.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, values]) => ({ x: toX(at), y: toY(values.reduce((sum, v) => sum + v, 0) / values.length) }));

  const xTicks =
    rows.length === 0
      ? []
      : numeric
        ? niceTicks(xLow, xHigh).map(at => ({ at: toX(at), label: String(at) }))
        : categories.map((name, index) => ({ at: toX(index), label: name }));
  const yTicks = rows.length === 0 ? [] : niceTicks(yLow, yHigh).map(at => ({ at: toY(at), label: String(at) }));
  return { points, meanLine, xTicks, yTicks, missing: results.rows.length - rows.length };
}
