import React from 'react';

import { compareRuns } from '../compare';
import { shortRunId } from '../format';
import { Run } from '../types';

/** Two runs' parameters and recorded metrics side by side, differences marked. */
export function CompareTable({ left, right }: { left: Run; right: Run }): JSX.Element {
  const rows = compareRuns(left, right);
  return (
    <table className="jp-mlops-compare">
      <thead>
        <tr>
          <th />
          <th>{shortRunId(left.id)}</th>
          <th>{shortRunId(right.id)}</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={3}>Neither run has parameters or metrics.</td>
          </tr>
        )}
        {rows.map(row => (
          <tr key={`${row.section}:${row.name}`} className={row.differs ? 'jp-mlops-differs' : ''}>
            <th scope="row">
              <span className="jp-mlops-type">{row.section}</span> {row.name}
            </th>
            <td>{row.left}</td>
            <td>{row.right}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
