import React, { useEffect, useState } from 'react';

import { compareRuns, getRun } from '../api';
import { shortRunId } from '../format';
import { CellChange, Run, RunComparison, ValueChange } from '../types';
import { CompareTable } from './CompareTable';

const shown = (value: unknown) => (value === null || value === undefined ? '—' : JSON.stringify(value));

function Changes(props: { title: string; changes: ValueChange[]; a: string; b: string }): JSX.Element | null {
  if (props.changes.length === 0) {
    return null;
  }
  return (
    <>
      <h3 className="jp-mlops-heading">{props.title}</h3>
      <table className="jp-mlops-compare jp-mlops-compare-lineage" data-section={props.title}>
        <thead>
          <tr>
            <th />
            <th>{shortRunId(props.a)}</th>
            <th>{shortRunId(props.b)}</th>
          </tr>
        </thead>
        <tbody>
          {props.changes.map(change => (
            <tr key={change.name} className="jp-mlops-differs">
              <th scope="row">{change.name}</th>
              <td>{shown(change.a)}</td>
              <td>{shown(change.b)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function SourceDiff({ lines }: { lines: string[] }): JSX.Element {
  return (
    <pre className="jp-mlops-diff">
      {lines.map((line, i) => (
        <div
          key={i}
          className={line.startsWith('+') ? 'jp-mlops-diff-added' : line.startsWith('-') ? 'jp-mlops-diff-removed' : ''}
        >
          {line}
        </div>
      ))}
    </pre>
  );
}

function CellRow({ change }: { change: CellChange }): JSX.Element {
  const where =
    change.kind === 'added'
      ? `— / ${change.b_index}`
      : change.kind === 'removed'
        ? `${change.a_index} / —`
        : `${change.a_index} / ${change.b_index}`;
  return (
    <li className={`jp-mlops-cell-change jp-mlops-cell-${change.kind}`} data-mlops-cell-change={change.kind}>
      <div className="jp-mlops-cell-change-head">
        <span className="jp-mlops-cell-change-kind">{change.kind}</span>
        <span className="jp-mlops-type">{change.cell_type}</span>
        <span className="jp-mlops-cell-change-where" title="Cell index in each run's output notebook">
          cell {where}
        </span>
        {change.changed.length > 0 && <span className="jp-mlops-hint">{change.changed.join(', ')} changed</span>}
      </div>
      {change.kind === 'modified' && change.source_diff.length > 0 && <SourceDiff lines={change.source_diff} />}
      {change.kind === 'modified' && change.source_diff.length === 0 && (
        <pre className="jp-mlops-diff">{change.b_source}</pre>
      )}
      {change.kind === 'added' && <SourceDiff lines={(change.b_source ?? '').split('\n').map(line => `+${line}`)} />}
      {change.kind === 'removed' && <SourceDiff lines={(change.a_source ?? '').split('\n').map(line => `-${line}`)} />}
      {change.kind === 'unchanged' && (
        <pre className="jp-mlops-diff jp-mlops-diff-context">{(change.a_source ?? '').split('\n').slice(0, 2).join('\n')}</pre>
      )}
    </li>
  );
}

/** Two runs side by side: parameters and metrics, what else their lineage says differs, and their
 * output notebooks diffed cell by cell (nbdime, on the server). */
export function CompareView(props: { a: string; b: string }): JSX.Element {
  const [runs, setRuns] = useState<[Run, Run] | null>(null);
  const [comparison, setComparison] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [allCells, setAllCells] = useState(false);
  useEffect(() => {
    let current = true;
    Promise.all([getRun(props.a), getRun(props.b), compareRuns(props.a, props.b)]).then(
      ([left, right, compared]) => {
        if (current) {
          setRuns([left, right]);
          setComparison(compared);
        }
      },
      reason => current && setError((reason as Error).message)
    );
    return () => {
      current = false;
    };
  }, [props.a, props.b]);
  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (runs === null || comparison === null) {
    return <div className="jp-mlops-hint">Comparing…</div>;
  }
  const lineage = comparison.lineage;
  const cells = comparison.cells ?? [];
  const changed = cells.filter(cell => cell.kind !== 'unchanged');
  return (
    <div className="jp-mlops-compare-view">
      <CompareTable left={runs[0]} right={runs[1]} />
      {lineage ? (
        <>
          <Changes title="Inputs" changes={lineage.inputs} a={props.a} b={props.b} />
          <Changes title="Outputs" changes={lineage.outputs} a={props.a} b={props.b} />
          <Changes title="Environment" changes={lineage.environment} a={props.a} b={props.b} />
          {lineage.code.length === 0 && <div className="jp-mlops-hint">Same code in both runs.</div>}
        </>
      ) : (
        <div className="jp-mlops-hint">{comparison.lineage_problem}</div>
      )}
      <h3 className="jp-mlops-heading">
        Output notebooks, cell by cell{' '}
        {comparison.cells && (
          <span className="jp-mlops-hint">
            {changed.length} of {cells.length} cells differ
          </span>
        )}
      </h3>
      {comparison.cells === null ? (
        <div className="jp-mlops-hint">{comparison.cells_problem}</div>
      ) : (
        <>
          <label className="jp-mlops-check">
            <input type="checkbox" checked={allCells} onChange={event => setAllCells(event.target.checked)} /> Show
            unchanged cells
          </label>
          <ol className="jp-mlops-cell-diff" aria-label="Cell differences">
            {(allCells ? cells : changed).map((change, i) => (
              <CellRow key={i} change={change} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
