import React, { useMemo } from 'react';

import { layoutDag } from '../dag';
import { formatDuration } from '../format';
import { PipelineReport, Run, StepResult } from '../types';

/** An edge's bend points as a smooth SVG path (dagre gives start, bends and end). */
function edgePath(points: { x: number; y: number }[]): string {
  if (points.length === 0) {
    return '';
  }
  const [first, ...rest] = points;
  if (rest.length === 1) {
    return `M${first.x},${first.y} L${rest[0].x},${rest[0].y}`;
  }
  // Quadratic segments through the midpoints: round corners, still ending exactly on the node.
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const mid = { x: (rest[i].x + rest[i + 1].x) / 2, y: (rest[i].y + rest[i + 1].y) / 2 };
    d += ` Q${rest[i].x},${rest[i].y} ${i === rest.length - 2 ? `${rest[i + 1].x},${rest[i + 1].y}` : `${mid.x},${mid.y}`}`;
  }
  return d;
}

/**
 * The pipeline as a graph: a node per step coloured by its status in `run` (the notebook's latest
 * run, live), an arrow per dependency. Clicking a node calls `onNode` (the panel scrolls to its cell).
 */
export function DagView(props: {
  report: PipelineReport;
  run: Run | null;
  onNode: (step: string) => void;
}): JSX.Element {
  const { pipeline, errors } = props.report;
  const drawn = useMemo(() => (pipeline ? layoutDag(pipeline.steps) : null), [pipeline]);
  if (pipeline === null || drawn === null) {
    return (
      <div className="jp-mlops-dag jp-mlops-dag-invalid" role="note">
        The graph cannot be drawn: {errors.map(problem => problem.message).join('; ') || 'the pipeline does not parse'}
      </div>
    );
  }
  const results = new Map<string, StepResult>((props.run?.steps ?? []).map(step => [step.name, step]));
  return (
    <div className="jp-mlops-dag">
      <svg
        width={drawn.width}
        height={drawn.height}
        viewBox={`0 0 ${drawn.width} ${drawn.height}`}
        role="img"
        aria-label={`Pipeline graph: ${pipeline.steps.length} steps`}
      >
        <defs>
          <marker id="jp-mlops-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" className="jp-mlops-dag-arrow" />
          </marker>
        </defs>
        {drawn.edges.map(edge => (
          <path
            key={`${edge.from}->${edge.to}`}
            className="jp-mlops-dag-edge"
            data-mlops-dag-edge={`${edge.from}->${edge.to}`}
            d={edgePath(edge.points)}
            markerEnd="url(#jp-mlops-arrow)"
          />
        ))}
        {drawn.nodes.map(node => {
          const result = results.get(node.name);
          const status = result?.status ?? 'none';
          const title = result
            ? `${node.name}: ${status}${result.duration !== null ? ` in ${formatDuration(result.duration)}` : ''}${result.error ? ` — ${result.error}` : ''}`
            : `${node.name}: not run yet`;
          return (
            <g
              key={node.name}
              className={`jp-mlops-dag-node jp-mlops-status-${status}`}
              data-mlops-dag-node={node.name}
              data-status={status}
              transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
              role="button"
              tabIndex={0}
              onClick={() => props.onNode(node.name)}
              onKeyDown={event => (event.key === 'Enter' || event.key === ' ') && props.onNode(node.name)}
            >
              <title>{title}</title>
              <rect width={node.width} height={node.height} rx={6} />
              <circle cx={13} cy={node.height / 2} r={4.5} className="jp-mlops-dag-dot" />
              <text x={24} y={node.height / 2} dominantBaseline="central">
                {node.name}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
