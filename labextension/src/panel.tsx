import { INotebookTracker } from '@jupyterlab/notebook';
import { historyIcon, ReactWidget, runIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from './commandIds';
import { CommandButton } from './components/CommandButton';
import { PipelineView } from './components/PipelineView';
import { RunsView } from './components/RunsView';
import { SchedulesView } from './components/SchedulesView';
import { LiveFeed } from './feed';
import { useActiveNotebook, usePipeline } from './hooks';
import { mlopsIcon } from './icon';
import { fileName } from './paths';

const TABS = [
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'runs', label: 'Runs' },
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

function MLOpsPanel(props: { tracker: INotebookTracker; feed: LiveFeed; commands: CommandRegistry }): JSX.Element {
  const { panel, path } = useActiveNotebook(props.tracker);
  const { report, error } = usePipeline(panel);
  const [tab, setTab] = useState<Tab>('pipeline');
  return (
    <div className="jp-mlops-panel">
      <h2 className="jp-mlops-title">MLOps pipeline</h2>
      {path ? (
        <div className="jp-mlops-notebook-bar">
          <div className="jp-mlops-notebook" title={path}>
            {fileName(path)}
          </div>
          <CommandButton commands={props.commands} command={CommandIDs.runNow} icon={runIcon} text="Run now" />
          <CommandButton commands={props.commands} command={CommandIDs.schedule} icon={historyIcon} text="Schedule…" />
        </div>
      ) : (
        <p className="jp-mlops-empty">Open a notebook to see its pipeline.</p>
      )}
      <Tabs current={tab} onChange={setTab} />
      <div className="jp-mlops-tab-panel" role="tabpanel" aria-label={tab}>
        {tab === 'pipeline' && panel && <PipelineView panel={panel} report={report} error={error} />}
        {tab === 'runs' && <RunsView feed={props.feed} path={path} commands={props.commands} />}
        {tab === 'schedules' && <SchedulesView feed={props.feed} commands={props.commands} />}
      </div>
    </div>
  );
}

/** The left sidebar widget. */
export class MLOpsSidebar extends ReactWidget {
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

  protected render(): JSX.Element {
    return <MLOpsPanel tracker={this.tracker} feed={this.feed} commands={this.commands} />;
  }
}
