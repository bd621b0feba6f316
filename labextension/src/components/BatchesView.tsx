import { Button, caretLeftIcon, downloadIcon, stopIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commandIds';
import { LiveFeed } from '../feed';
import { elapsed, formatCounts, formatDuration, formatRelative, isFinished } from '../format';
import { useBatchResults, useBatches, useNow } from '../hooks';
import { Batch } from '../types';
import { BatchResultsTable, Sorting } from './BatchResultsTable';
import { CommandButton } from './CommandButton';
import { MetricChart } from './MetricChart';
import { Scope, ScopeSelect } from './ScopeSelect';

/** Runs finished out of all, as a bar and as words. */
function Progress({ batch }: { batch: Batch }): JSX.Element {
  const total = batch.run_ids.length;
  const open = (batch.counts.queued ?? 0) + (batch.counts.running ?? 0);
  return (
    <div className="jp-mlops-progress" title={formatCounts(batch.counts)}>
      <progress max={total} value={total - open} aria-label={`${total - open} of ${total} runs finished`} />
      <span>{formatCounts(batch.counts)}</span>
    </div>
  );
}

function BatchHead(props: { batch: Batch; now: Date; showNotebook: boolean }): JSX.Element {
  const { batch } = props;
  return (
    <>
      <div className="jp-mlops-run-head">
        <span className={`jp-mlops-badge jp-mlops-status-${batch.status}`}>{batch.status}</span>
        <span>{batch.run_ids.length} runs</span>
        <span className="jp-mlops-when" title={batch.created_at}>
          {formatRelative(batch.created_at, props.now)}
        </span>
        <span className="jp-mlops-duration">{formatDuration(elapsed(batch, props.now))}</span>
      </div>
      {props.showNotebook && <div className="jp-mlops-run-notebook">{batch.path ?? batch.notebook}</div>}
      <Progress batch={batch} />
      {batch.error && <div className="jp-mlops-error">{batch.error}</div>}
    </>
  );
}

/** One batch: its progress, a chart of a metric against a parameter, and the sortable results table. */
function BatchDetail(props: {
  batch: Batch;
  feed: LiveFeed;
  commands: CommandRegistry;
  now: Date;
  onBack: () => void;
}): JSX.Element {
  const { batch } = props;
  const [sorting, setSorting] = useState<Sorting>({ column: null, descending: false });
  const { results, error } = useBatchResults(props.feed, batch.id, sorting.column, sorting.descending);
  return (
    <div className="jp-mlops-batch" data-batch={batch.id} data-status={batch.status}>
      <div className="jp-mlops-runs-bar">
        <Button minimal small onClick={props.onBack} aria-label="Back to the batches">
          <caretLeftIcon.react tag="span" className="jp-mlops-button-icon" />
          Batches
        </Button>
        <CommandButton
          commands={props.commands}
          command={CommandIDs.downloadBatchResults}
          args={{ id: batch.id, sort: sorting.column, descending: sorting.descending }}
          icon={downloadIcon}
          text="CSV"
        />
        {!isFinished(batch) && (
          <CommandButton
            commands={props.commands}
            command={CommandIDs.cancelBatch}
            args={{ id: batch.id }}
            icon={stopIcon}
            text="Cancel"
          />
        )}
      </div>
      <BatchHead batch={batch} now={props.now} showNotebook={true} />
      {error && <div className="jp-mlops-error">{error}</div>}
      {results && (
        <>
          <MetricChart results={results} commands={props.commands} />
          <BatchResultsTable results={results} sorting={sorting} onSort={setSorting} commands={props.commands} />
        </>
      )}
    </div>
  );
}

/** Batches of the notebook (or all), live; one opened shows its results. */
export function BatchesView(props: {
  feed: LiveFeed;
  path: string | null;
  commands: CommandRegistry;
  /** The batch shown, or null for the list; owned by the panel so a new batch can be shown. */
  openBatch: string | null;
  onOpen: (id: string | null) => void;
}): JSX.Element {
  const [scope, setScope] = useState<Scope>('notebook');
  const path = scope === 'notebook' ? props.path : null;
  const { batches, error } = useBatches(props.feed, path);
  const now = useNow();
  const open = batches.find(batch => batch.id === props.openBatch) ?? null;
  if (open !== null) {
    return (
      <BatchDetail
        batch={open}
        feed={props.feed}
        commands={props.commands}
        now={now}
        onBack={() => props.onOpen(null)}
      />
    );
  }
  return (
    <div className="jp-mlops-batches">
      <div className="jp-mlops-runs-bar">
        <ScopeSelect label="Which batches" scope={scope} onChange={setScope} />
      </div>
      {error && <div className="jp-mlops-error">{error}</div>}
      {batches.length === 0 && !error && (
        <div className="jp-mlops-hint">No batches yet. Batch… runs the notebook over a grid of parameters.</div>
      )}
      <ul className="jp-mlops-run-list" aria-label="Batches">
        {batches.map(batch => (
          <li key={batch.id} className="jp-mlops-run" data-batch={batch.id} data-status={batch.status}>
            <div
              className="jp-mlops-open-batch"
              role="button"
              tabIndex={0}
              title="Show its results"
              onClick={() => props.onOpen(batch.id)}
              onKeyDown={event => (event.key === 'Enter' || event.key === ' ') && props.onOpen(batch.id)}
            >
              <BatchHead batch={batch} now={now} showNotebook={path === null} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
