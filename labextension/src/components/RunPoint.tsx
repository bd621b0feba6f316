import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';

/** A run in a chart: a dot, or a cross for a failed run; a click opens its output notebook. */
export function RunPoint(props: {
  runId: string;
  cx: number;
  cy: number;
  title: string;
  failed?: boolean;
  commands: CommandRegistry;
}): JSX.Element {
  const { runId, cx, cy } = props;
  const open = () => void props.commands.execute(CommandIDs.openOutput, { id: runId });
  const title = <title>{props.title}</title>;
  if (props.failed) {
    const d = `M${cx - 4},${cy - 4}L${cx + 4},${cy + 4}M${cx - 4},${cy + 4}L${cx + 4},${cy - 4}`;
    return (
      <path className="jp-mlops-point-failed" data-run={runId} d={d} onClick={open}>
        {title}
      </path>
    );
  }
  return (
    <circle className="jp-mlops-point" data-run={runId} cx={cx} cy={cy} r={4} onClick={open}>
      {title}
    </circle>
  );
}
