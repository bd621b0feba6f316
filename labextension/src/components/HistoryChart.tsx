import { HTMLSelect } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { metricHistory } from '../api';
import { historyChart } from '../history';
import { MetricHistory } from '../types';
import { RunPoint } from './RunPoint';

const BOX = { width: 280, height: 150, left: 36, bottom: 22, pad: 12 };

/** A schedule's metrics over time: a point per finished run (failures as crosses), alert thresholds dashed. */
export function HistoryChart(props: { scheduleId: string; version: string; commands: CommandRegistry }): JSX.Element {
  const [history, setHistory] = useState<MetricHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  useEffect(() => {
    metricHistory(props.scheduleId).then(setHistory, reason => setError(String(reason.message ?? reason)));
  }, [props.scheduleId, props.version]);
  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (history === null) {
    return <div className="jp-mlops-hint">Loading metrics…</div>;
  }
  const metric = chosen !== null && history.numeric.includes(chosen) ? chosen : history.numeric[0];
  if (metric === undefined) {
    return <div className="jp-mlops-hint">No numeric metric recorded by this schedule&apos;s runs yet.</div>;
  }
  const chart = historyChart(history, metric, BOX);
  const plotBottom = BOX.height - BOX.bottom;
  return (
    <figure className="jp-mlops-chart jp-mlops-history" data-schedule={props.scheduleId}>
      <figcaption className="jp-mlops-chart-bar">
        <HTMLSelect aria-label="Metric over time" value={metric} onChange={event => setChosen(event.target.value)}>
          {history.numeric.map(name => (
            <option key={name}>{name}</option>
          ))}
        </HTMLSelect>
        <span>over time</span>
      </figcaption>
      <svg
        className="jp-mlops-plot"
        viewBox={`0 0 ${BOX.width} ${BOX.height}`}
        role="img"
        aria-label={`${metric} over time: ${chart.points.length} runs`}
      >
        <line className="jp-mlops-axis" x1={BOX.left} y1={plotBottom} x2={BOX.width} y2={plotBottom} />
        <line className="jp-mlops-axis" x1={BOX.left} y1={0} x2={BOX.left} y2={plotBottom} />
        {chart.yTicks.map(tick => (
          <text key={`y${tick.at}`} className="jp-mlops-tick" x={BOX.left - 4} y={tick.at + 3} textAnchor="end">
            {tick.label}
          </text>
        ))}
        {chart.xLabels.map((tick, index) => (
          <text
            key={`x${index}`}
            className="jp-mlops-tick"
            x={tick.at}
            y={BOX.height - 6}
            textAnchor={index === 0 ? 'start' : 'end'}
          >
            {tick.label}
          </text>
        ))}
        {chart.thresholds.map(threshold => (
          <g key={threshold.label} className="jp-mlops-threshold">
            <line x1={BOX.left} y1={threshold.y} x2={BOX.width} y2={threshold.y} />
            <text className="jp-mlops-tick" x={BOX.width - 2} y={threshold.y - 3} textAnchor="end">
              alert {threshold.label}
            </text>
          </g>
        ))}
        {chart.line.length > 1 && (
          <polyline className="jp-mlops-mean" points={chart.line.map(p => `${p.x},${p.y}`).join(' ')} />
        )}
        {chart.points.map(point => (
          <RunPoint key={point.runId} {...point} commands={props.commands} />
        ))}
      </svg>
    </figure>
  );
}
