import { launchIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { formatDuration } from '../format';
import { BatchResults, ResultRow } from '../types';
import { CommandButton } from './CommandButton';

export interface Sorting {
  column: string | null;
  descending: boolean;
}

/** A value in a cell: numbers to 4 significant digits, text as is, anything else as JSON. */
function show(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parameters × metrics × status × duration, a row per run; a column's header sorts by it (again: reversed). */
export function BatchResultsTable(props: {
  results: BatchResults;
  sorting: Sorting;
  onSort: (sorting: Sorting) => void;
  commands: CommandRegistry;
}): JSX.Element {
  const { results, sorting } = props;
  const columns: { name: string; kind: string; value: (row: ResultRow) => React.ReactNode }[] = [
    ...results.parameters.map(name => ({
      name,
      kind: 'parameter',
      value: (row: ResultRow) => show(row.parameters[name])
    })),
    ...results.metrics.map(name => ({ name, kind: 'metric', value: (row: ResultRow) => show(row.metrics[name]) })),
    {
      name: 'status',
      kind: 'run',
      value: (row: ResultRow) => (
        <span className={`jp-mlops-badge jp-mlops-status-${row.status}`} title={row.error ?? undefined}>
          {row.status}
        </span>
      )
    },
    { name: 'duration', kind: 'run', value: (row: ResultRow) => formatDuration(row.duration) }
  ];
  const sortBy = (column: string) =>
    props.onSort({ column, descending: sorting.column === column ? !sorting.descending : false });
  return (
    <div className="jp-mlops-table-scroll">
      <table className="jp-mlops-results" aria-label="Batch results">
        <thead>
          <tr>
            {columns.map(column => (
              <th
                key={`${column.kind}:${column.name}`}
                className={`jp-mlops-${column.kind}-column`}
                aria-sort={
                  sorting.column === column.name ? (sorting.descending ? 'descending' : 'ascending') : undefined
                }
              >
                <button className="jp-mlops-sort" title={`Sort by ${column.name}`} onClick={() => sortBy(column.name)}>
                  {column.name}
                  {sorting.column === column.name ? (sorting.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {results.rows.map(row => (
            <tr key={row.run_id} data-run={row.run_id} data-status={row.status}>
              {columns.map(column => (
                <td key={`${column.kind}:${column.name}`} className={`jp-mlops-${column.kind}-column`}>
                  {column.value(row)}
                </td>
              ))}
              <td>
                <CommandButton
                  commands={props.commands}
                  command={CommandIDs.openOutput}
                  args={{ id: row.run_id }}
                  icon={launchIcon}
                  minimal
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
