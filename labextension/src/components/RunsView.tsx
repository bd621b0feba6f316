import { launchIcon, listIcon, refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commandIds';
import { LiveFeed } from '../feed';
import { formatDuration, formatRelative, isFinished, elapsed, stepProgress } from '../format';
import { useNow, useRuns } from '../hooks';
import { mlopsIcon } from '../icon';
import { Run } from '../types';
import { CommandButton } from './CommandButton';
import { Scope, ScopeSelect } from './ScopeSelect';

function StepChips({ run }: { run: Run }): JSX.Element {
  return (
    <ol className="jp-mlops-step-chips" aria-label={stepProgress(run.steps)}>
      {run.steps.map(step => (
        <li
          key={step.name}
          className={`jp-mlops-chip jp-mlops-status-${step.status}`}
          data-step={step.name}
          data-status={step.status}
          title={`${step.name}: ${step.status}${step.duration !== null ? ` (${formatDuration(step.duration)})` : ''}${step.error ? ` — ${step.error}` : ''}`}
        >
          {step.name}
        </li>
      ))}
    </ol>
  );
}

function RunRow(props: {
  run: Run;
  now: Date;
  commands: CommandRegistry;
  showNotebook: boolean;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}): JSX.Element {
  const { run, commands } = props;
  const args = { id: run.id };
  return (
    <li className="jp-mlops-run" data-run={run.id} data-status={run.status}>
      <div className="jp-mlops-run-head">
        <input
          type="checkbox"
          aria-label={`Select run ${run.id} to compare`}
          checked={props.selected}
          onChange={event => props.onSelect(event.target.checked)}
        />
        <span className={`jp-mlops-badge jp-mlops-status-${run.status}`}>{run.status}</span>
        <span className="jp-mlops-trigger" title="What started it">
          {run.trigger}
        </span>
        <span className="jp-mlops-when" title={run.created_at}>
          {formatRelative(run.created_at, props.now)}
        </span>
        <span className="jp-mlops-duration">{formatDuration(elapsed(run, props.now))}</span>
      </div>
      {props.showNotebook && <div className="jp-mlops-run-notebook">{run.path ?? run.notebook}</div>}
      <div className="jp-mlops-run-meta">
        {run.backend}
        {run.spec.image ? ` · ${run.spec.image}` : ''}
        {Object.keys(run.parameters).length > 0 &&
          ` · ${Object.entries(run.parameters)
            .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
            .join(', ')}`}
      </div>
      <StepChips run={run} />
      {run.error && <div className="jp-mlops-error">{run.error}</div>}
      {(run.notifications ?? []).length > 0 && (
        <ul className="jp-mlops-deliveries" aria-label="Notifications">
          {(run.notifications ?? []).map((delivery, index) => (
            <li key={index} className={delivery.ok ? 'jp-mlops-delivery-ok' : 'jp-mlops-delivery-failed'}>
              {delivery.event} → {delivery.channel} {delivery.to}
              {delivery.attempt > 1 ? ` (attempt ${delivery.attempt})` : ''}:{' '}
              {delivery.ok ? 'sent' : delivery.error} <span title={delivery.at}>{formatRelative(delivery.at, props.now)}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="jp-mlops-actions">
        <CommandButton commands={commands} command={CommandIDs.openOutput} args={args} icon={launchIcon} minimal />
        {isFinished(run) && (
          <CommandButton commands={commands} command={CommandIDs.openReport} args={args} text="Report" minimal />
        )}
        <CommandButton commands={commands} command={CommandIDs.showLog} args={args} icon={listIcon} minimal />
        {!isFinished(run) && (
          <CommandButton commands={commands} command={CommandIDs.cancelRun} args={args} icon={stopIcon} minimal />
        )}
        <CommandButton commands={commands} command={CommandIDs.rerun} args={args} icon={refreshIcon} minimal />
        <CommandButton commands={commands} command={CommandIDs.openDashboard} args={{ run: run.id }} icon={mlopsIcon} minimal />
      </div>
    </li>
  );
}

/** Runs of the notebook (or all runs), live, with their actions and a two-run comparison. */
export function RunsView(props: { feed: LiveFeed; path: string | null; commands: CommandRegistry }): JSX.Element {
  const [scope, setScope] = useState<Scope>('notebook');
  const path = scope === 'notebook' ? props.path : null;
  const { runs, error } = useRuns(props.feed, path);
  const [selected, setSelected] = useState<string[]>([]);
  const now = useNow();
  const chosen = selected.filter(id => runs.some(run => run.id === id));
  return (
    <div className="jp-mlops-runs">
      <div className="jp-mlops-runs-bar">
        <ScopeSelect label="Which runs" scope={scope} onChange={setScope} />
        {chosen.length === 2 && (
          <CommandButton
            commands={props.commands}
            command={CommandIDs.compareRuns}
            args={{ left: chosen[0], right: chosen[1] }}
            text="Compare"
          />
        )}
      </div>
      {chosen.length === 1 && <div className="jp-mlops-hint">Select one more run to compare.</div>}
      {error && <div className="jp-mlops-error">{error}</div>}
      {runs.length === 0 && !error && <div className="jp-mlops-hint">No runs yet.</div>}
      <ul className="jp-mlops-run-list" aria-label="Runs">
        {runs.map(run => (
          <RunRow
            key={run.id}
            run={run}
            now={now}
            commands={props.commands}
            showNotebook={path === null}
            selected={chosen.includes(run.id)}
            onSelect={on =>
              setSelected(current =>
                on ? [...current.filter(id => id !== run.id), run.id].slice(-2) : current.filter(id => id !== run.id)
              )
            }
          />
        ))}
      </ul>
    </div>
  );
}
