import { HTMLSelect } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { metricChart } from '../chart';
import { BatchResults } from '../types';
import { RunPoint } from './RunPoint';

/** The plot's size in SVG units; it scales to the sidebar's width. */
const BOX = { width: 280, height: 170, left: 36, bottom: 22, pad: 12 };

/** One metric against one parameter, a dot per run (click: its output notebook), the mean as a line. */
export function MetricChart(props: { results: BatchResults; commands: CommandRegistry }): JSX.Element | null {
  const { results } = props;
  const [chosenMetric, setMetric] = useState<string | null>(null);
  const [chosenParameter, setParameter] = useState<string | null>(null);
  const metric = chosenMetric !== null && results.metrics.includes(chosenMetric) ? chosenMetric : results.metrics[0];
  const parameter =
    chosenParameter !== null && results.parameters.includes(chosenParameter) ? chosenParameter : results.parameters[0];
  if (metric === undefined || parameter === undefined) {
    return (
      <div className="jp-mlops-hint">
        {metric === undefined
          ? 'No metrics recorded yet: a run records one with jupyter_mlops.record("name", value).'
          : 'The batch varies no parameter.'}
      </div>
    );
  }
  const chart = metricChart(results, parameter, metric, BOX);
  const plotBottom = BOX.height - BOX.bottom;
  return (
    <figure className="jp-mlops-chart">
      <figcaption className="jp-mlops-chart-bar">
        <HTMLSelect aria-label="Metric" value={metric} onChange={event => setMetric(event.target.value)}>
          {results.metrics.map(name => (
            <option key={name}>{name}</option>
          ))}
        </HTMLSelect>
        <span>by</span>
        <HTMLSelect aria-label="Parameter" value={parameter} onChange={event => setParameter(event.target.value)}>
          {results.parameters.map(name => (
            <option key={name}>{name}</option>
          ))}
        </HTMLSelect>
      </figcaption>
      <svg
        className="jp-mlops-plot"
        viewBox={`0 0 ${BOX.width} ${BOX.height}`}
        role="img"
        aria-label={`${metric} by ${parameter}: ${chart.points.length} runs`}
      >
        <line className="jp-mlops-axis" x1={BOX.left} y1={plotBottom} x2={BOX.width} y2={plotBottom} />
        <line className="jp-mlops-axis" x1={BOX.left} y1={0} x2={BOX.left} y2={plotBottom} />
        {chart.xTicks.map(tick => (
          <text key={`x${tick.at}`} className="jp-mlops-tick" x={tick.at} y={BOX.height - 6} textAnchor="middle">
            {tick.label}
          </text>
        ))}
        {chart.yTicks.map(tick => (
          <text key={`y${tick.at}`} className="jp-mlops-tick" x={BOX.left - 4} y={tick.at + 3} textAnchor="end">
            {tick.label}
          </text>
        ))}
        {chart.meanLine.length > 1 && (
          <polyline className="jp-mlops-mean" points={chart.meanLine.map(p => `${p.x},${p.y}`).join(' ')} />
        )}
        {chart.points.map(point => (
          <RunPoint key={point.runId} {...point} commands={props.commands} />
        ))}
      </svg>
      {chart.missing > 0 && (
        <div className="jp-mlops-hint">
          {chart.missing} run{chart.missing > 1 ? 's' : ''} without a numeric {metric} not shown.
        </div>
      )}
    </figure>
  );
}
