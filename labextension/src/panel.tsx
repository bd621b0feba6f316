import { INotebookTracker } from '@jupyterlab/notebook';
import { historyIcon, ReactWidget, runIcon, tableRowsIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import React, { useEffect, useState } from 'react';

import { CommandIDs } from './commandIds';
import { BatchesView } from './components/BatchesView';
import { CommandButton } from './components/CommandButton';
import { PipelineView } from './components/PipelineView';
import { RunsView } from './components/RunsView';
import { SchedulesView } from './components/SchedulesView';
import { LiveFeed } from './feed';
import { useActiveNotebook, useLatestRun, usePipeline } from './hooks';
import { mlopsIcon } from './icon';
import { fileName } from './paths';

const TABS = [
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'runs', label: 'Runs' },
  { id: 'batches', label: 'Batches' },
  { id: 'schedules', label: 'Schedules' }
] as const;
type Tab = (typeof TABS)[number]['id'];

function Tabs(props: { current: Tab; onChange: (tab: Tab) => void }): JSX.Element {
  // Arrow keys move between tabs, as in any tab list (WAI-ARIA).
  const onKeyDown = (event: React.KeyboardEvent) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step !== 0) {
      const index = TABS.findIndex(tab => tab.id === props.current);
      const next = TABS[(index + step + TABS.length) % TABS.length];
      props.onChange(next.id);
      (event.currentTarget.querySelector(`[data-tab="${next.id}"]`) as HTMLElement | null)?.focus();
    }
  };
  return (
    <div className="jp-mlops-tabs" role="tablist" onKeyDown={onKeyDown}>
      {TABS.map(tab => (
        <button
          key={tab.id}
          role="tab"
          data-tab={tab.id}
          aria-selected={props.current === tab.id}
          tabIndex={props.current === tab.id ? 0 : -1}
          className={`jp-mlops-tab${props.current === tab.id ? ' jp-mod-current' : ''}`}
          onClick={() => props.onChange(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

function MLOpsPanel(props: {
  tracker: INotebookTracker;
  feed: LiveFeed;
  commands: CommandRegistry;
  batchShown: ISignal<MLOpsSidebar, string>;
  /** A batch asked for before the panel was first drawn. */
  initialBatch: string | null;
}): JSX.Element {
  const { panel, path } = useActiveNotebook(props.tracker);
  const { report, error } = usePipeline(panel);
  const latestRun = useLatestRun(props.feed, path);
  const [tab, setTab] = useState<Tab>(props.initialBatch ? 'batches' : 'pipeline');
  const [openBatch, setOpenBatch] = useState<string | null>(props.initialBatch);
  useEffect(() => {
    const show = (_: unknown, id: string) => {
      setTab('batches');
      setOpenBatch(id);
    };
    props.batchShown.connect(show);
    return () => {
      props.batchShown.disconnect(show);
    };
  }, [props.batchShown]);
  return (
    <div className="jp-mlops-panel">
      <div className="jp-mlops-title-bar">
        <h2 className="jp-mlops-title">MLOps pipeline</h2>
        <CommandButton commands={props.commands} command={CommandIDs.openDashboard} icon={mlopsIcon} text="Dashboard" />
      </div>
      {path ? (
        <div className="jp-mlops-notebook-bar">
          <div className="jp-mlops-notebook" title={path}>
            {fileName(path)}
          </div>
          <CommandButton commands={props.commands} command={CommandIDs.runNow} icon={runIcon} text="Run now" />
          <CommandButton commands={props.commands} command={CommandIDs.schedule} icon={historyIcon} text="Schedule…" />
          <CommandButton
            commands={props.commands}
            command={CommandIDs.batch}
            icon={tableRowsIcon}
            text="Batch…"
          />
        </div>
      ) : (
        <p className="jp-mlops-empty">Open a notebook to see its pipeline.</p>
      )}
      <Tabs current={tab} onChange={setTab} />
      <div className="jp-mlops-tab-panel" role="tabpanel" aria-label={tab}>
        {tab === 'pipeline' && panel && <PipelineView panel={panel} report={report} error={error} run={latestRun} />}
        {tab === 'runs' && <RunsView feed={props.feed} path={path} commands={props.commands} />}
        {tab === 'batches' && (
          <BatchesView
            feed={props.feed}
            path={path}
            commands={props.commands}
            openBatch={openBatch}
            onOpen={setOpenBatch}
          />
        )}
        {tab === 'schedules' && <SchedulesView feed={props.feed} commands={props.commands} />}
      </div>
    </div>
  );
}

/** The left sidebar widget. */
export class MLOpsSidebar extends ReactWidget {
  private readonly _batchShown = new Signal<this, string>(this);
  private _lastBatchShown: string | null = null;

  constructor(
    private readonly tracker: INotebookTracker,
    private readonly feed: LiveFeed,
    private readonly commands: CommandRegistry
  ) {
    super();
    this.id = 'jupyter-mlops-sidebar';
    this.addClass('jp-mlops-sidebar');
    this.title.icon = mlopsIcon;
    this.title.caption = 'MLOps pipeline';
  }

  /** Opens the Batches tab on one batch (e.g. the one just started). */
  showBatch(id: string): void {
    this._lastBatchShown = id;
    this._batchShown.emit(id);
  }

  protected render(): JSX.Element {
    return (
      <MLOpsPanel
        tracker={this.tracker}
        feed={this.feed}
        commands={this.commands}
        batchShown={this._batchShown}
        initialBatch={this._lastBatchShown}
      />
    );
  }
}
