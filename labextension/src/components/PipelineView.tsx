import { NotebookPanel } from '@jupyterlab/notebook';
import React from 'react';

import { depths } from '../dag';
import { DagView } from './DagView';
import { formatValue } from '../params';
import { PipelineReport, Run } from '../types';

/** Makes a cell the active one and scrolls the notebook to it. */
function goToCell(panel: NotebookPanel, index: number): void {
  const notebook = panel.content;
  const cell = notebook.widgets[index];
  if (cell) {
    notebook.activeCellIndex = index;
    void notebook.scrollToCell(cell);
  }
}

/** The notebook's steps with their dependencies (drawn, coloured by `run`, and listed), its parameters,
 * and what is wrong with the declaration. */
export function PipelineView(props: {
  panel: NotebookPanel;
  report: PipelineReport | null;
  error: string | null;
  /** The notebook's latest run, followed live. */
  run: Run | null;
}): JSX.Element {
  const { report, panel } = props;
  if (props.error) {
    return <div className="jp-mlops-error">{props.error}</div>;
  }
  if (report === null) {
    return <div className="jp-mlops-hint">Reading the pipeline…</div>;
  }
  const pipeline = report.pipeline;
  const depth = pipeline ? depths(pipeline.steps) : {};
  return (
    <div className="jp-mlops-pipeline">
      {report.errors.length > 0 && (
        <ul className="jp-mlops-problems" aria-label="Pipeline errors">
          {report.errors.map((problem, i) => (
            <li key={i} className="jp-mlops-error">
              {problem.cell_index !== null && problem.cell_index !== undefined ? (
                <button className="jp-mlops-link" onClick={() => goToCell(panel, problem.cell_index!)}>
                  cell {problem.cell_index}
                  {problem.step ? ` (${problem.step})` : ''}
                </button>
              ) : null}{' '}
              {problem.message}
            </li>
          ))}
        </ul>
      )}
      <DagView
        report={report}
        run={props.run}
        onNode={name => {
          const step = pipeline?.steps.find(other => other.name === name);
          step && goToCell(panel, step.cell_indices[0]);
        }}
      />
      {pipeline && (
        <>
          <h3 className="jp-mlops-heading">Steps</h3>
          {pipeline.implicit ? (
            <div className="jp-mlops-hint">
              {pipeline.steps[0]?.cell_indices.length === 0
                ? 'Nothing but the parameters cell: a run executes it, with the values given, as the one step notebook.'
                : 'No %%mlstep cell: the notebook runs whole, as one step.'}{' '}
              Use “Make Cell a Pipeline Step” on a cell to split it.
            </div>
          ) : (
            <ol className="jp-mlops-steps" aria-label="Steps">
              {pipeline.steps.map(step => (
                  <li
                    key={step.name}
                    className="jp-mlops-step"
                    data-step={step.name}
                    style={{ paddingLeft: `${depth[step.name] * 14}px` }}
                  >
                    <button
                      className="jp-mlops-link jp-mlops-step-name"
                      title={`Go to cell ${step.cell_indices[0]}`}
                      onClick={() => goToCell(panel, step.cell_indices[0])}
                    >
                      {step.name}
                    </button>
                    {step.after.length > 0 && (
                      <span className="jp-mlops-after" title="Runs after">
                        ← {step.after.join(', ')}
                      </span>
                    )}
                  </li>
              ))}
            </ol>
          )}
          <h3 className="jp-mlops-heading">Parameters</h3>
          {pipeline.parameters.length === 0 ? (
            <div className="jp-mlops-hint">
              No parameters cell. “Mark as Parameters Cell” tags one (papermill’s parameters tag).
            </div>
          ) : (
            <table className="jp-mlops-parameters-table" aria-label="Parameters">
              <tbody>
                {pipeline.parameters.map(parameter => (
                  <tr key={parameter.name} data-parameter={parameter.name}>
                    <th scope="row">{parameter.name}</th>
                    <td className="jp-mlops-type">{parameter.type}</td>
                    <td className="jp-mlops-default">
                      {parameter.source ?? formatValue(parameter.type, parameter.default)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
