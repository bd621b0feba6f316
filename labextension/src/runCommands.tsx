/**
 * Commands on a notebook's runs: run now, schedule, batch, and on one run (argument `id`) open
 * its output notebook, show its log, cancel, re-run; compare two (`left`, `right`); cancel a
 * batch or download its results as CSV (argument `id`; `sort`, `descending`).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, MainAreaWidget, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { downloadIcon, historyIcon, ReactWidget, runIcon, tableRowsIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import React from 'react';

import { batchResultsCsv, cancelBatch, cancelRun, getRun, reportUrl, rerunRun } from './api';
import { CommandIDs } from './commandIds';
import { CompareView } from './components/CompareView';
import { logWidget } from './components/LogView';
import { outputNotebookWidget } from './outputViewer';
import { runOrSchedule } from './runDialog';
import { Defaults } from './settings';
import { Run } from './types';

export interface RunCommandsContext {
  tracker: INotebookTracker;
  defaults: () => Defaults;
  rendermime: IRenderMimeRegistry;
  editorServices: IEditorServices;
  /** Shows a batch's progress and results in the panel. */
  showBatch: (id: string) => void;
}

/** Runs an action, showing its error (the server's message) instead of losing it in the console. */
export async function reporting<T>(title: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    await showErrorMessage(title, (error as Error).message);
    return undefined;
  }
}

const idOf = (args: ReadonlyPartialJSONObject) => String(args.id ?? '');

/** Hands text to the browser as a file download. */
function saveFile(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

type RunView = (run: Run) => Promise<MainAreaWidget>;

/**
 * Shows a view under `id` in the main area, or brings the one already open to the front.
 * Notebook 7's notebook page keeps its one main widget and ignores others: there the view opens
 * in a dialog over the notebook.
 */
async function openOnce(app: JupyterFrontEnd, id: string, make: () => Promise<MainAreaWidget>): Promise<void> {
  for (const widget of app.shell.widgets('main')) {
    if (widget.id === id) {
      app.shell.activateById(id);
      return;
    }
  }
  const widget = await make();
  widget.id = id;
  app.shell.add(widget, 'main');
  if (widget.isAttached) {
    app.shell.activateById(widget.id);
    return;
  }
  widget.addClass('jp-mlops-dialog-view');
  await showDialog({ title: widget.title.label, body: widget, buttons: [Dialog.okButton({ label: 'Close' })] });
  widget.dispose(); // a log view stops following the run
}

export function addRunCommands(app: JupyterFrontEnd, context: RunCommandsContext): void {
  const { commands } = app;
  const hasNotebook = () => context.tracker.currentWidget !== null;

  commands.addCommand(CommandIDs.runNow, {
    label: 'Run Pipeline Now…',
    caption: 'Run this notebook now: parameters, steps and backend',
    icon: runIcon,
    isEnabled: hasNotebook,
    execute: () => {
      const panel = context.tracker.currentWidget;
      return panel && reporting('Run failed to start', () => runOrSchedule(panel, 'run', context.defaults()));
    }
  });

  commands.addCommand(CommandIDs.schedule, {
    label: 'Schedule Pipeline…',
    caption: 'Run this notebook on a schedule: cron, parameters, backend and policies',
    icon: historyIcon,
    isEnabled: hasNotebook,
    execute: () => {
      const panel = context.tracker.currentWidget;
      return (
        panel && reporting('Schedule not created', () => runOrSchedule(panel, 'schedule', context.defaults()))
      );
    }
  });

  commands.addCommand(CommandIDs.batch, {
    label: 'Run Pipeline as a Batch…',
    caption: 'Run this notebook once per combination of parameter values, then compare the results',
    icon: tableRowsIcon,
    isEnabled: hasNotebook,
    execute: async () => {
      const panel = context.tracker.currentWidget;
      const batch =
        panel && (await reporting('Batch failed to start', () => runOrSchedule(panel, 'batch', context.defaults())));
      if (batch) {
        context.showBatch(batch.id);
      }
    }
  });

  commands.addCommand(CommandIDs.cancelBatch, {
    label: 'Cancel Batch',
    caption: 'Stop the batch: finished runs are kept, the others are cancelled',
    execute: args => reporting('Cancel failed', () => cancelBatch(idOf(args)))
  });

  commands.addCommand(CommandIDs.downloadBatchResults, {
    label: 'Download Batch Results as CSV',
    caption: 'The results table as a CSV file, sorted as shown',
    icon: downloadIcon,
    execute: args =>
      reporting('Download failed', async () => {
        const sort = typeof args.sort === 'string' ? args.sort : null;
        saveFile(await batchResultsCsv(idOf(args), sort, Boolean(args.descending)), `batch-${idOf(args)}.csv`);
      })
  });

  /** Opens a view of one run (argument `id`) in the main area, once per run and kind. */
  const openRunView = (failure: string, kind: string, args: ReadonlyPartialJSONObject, make: RunView) =>
    reporting(failure, () =>
      openOnce(app, `jupyter-mlops-${kind}-${idOf(args)}`, async () => make(await getRun(idOf(args))))
    );

  commands.addCommand(CommandIDs.openOutput, {
    label: 'Open Run Output Notebook',
    caption: 'The executed notebook of a run, read-only',
    execute: args =>
      openRunView('Output notebook unavailable', 'output', args, run =>
        outputNotebookWidget(run, context.rendermime, context.editorServices)
      )
  });

  commands.addCommand(CommandIDs.openReport, {
    label: 'Open Run Report',
    caption: "The run's output notebook as HTML, in a new browser tab",
    execute: args => {
      // A new tab of its own (noopener): the report is served sandboxed, so none of its scripts run.
      window.open(reportUrl(idOf(args)), '_blank', 'noopener');
    }
  });

  commands.addCommand(CommandIDs.showLog, {
    label: 'Show Run Log',
    caption: "A run's log, followed live while it runs",
    execute: args => openRunView('Log unavailable', 'log', args, async run => logWidget(run))
  });

  commands.addCommand(CommandIDs.cancelRun, {
    label: 'Cancel Run',
    execute: args => reporting('Cancel failed', () => cancelRun(idOf(args)))
  });

  commands.addCommand(CommandIDs.rerun, {
    label: 'Re-run the Same Version and Parameters',
    caption: 'A new run of exactly what this run executed, even if the notebook has changed since',
    execute: args =>
      reporting('Re-run failed to start', async () => {
        // The server reruns the run's own snapshot: an edit to the notebook since changes nothing.
        const rerun = await rerunRun(idOf(args));
        for (const warning of rerun.warnings) {
          Notification.warning(warning, { autoClose: false });
        }
        return rerun.run;
      })
  });

  commands.addCommand(CommandIDs.compareRuns, {
    label: 'Compare Two Runs',
    caption: 'Parameters, metrics and lineage side by side, and the output notebooks cell by cell',
    execute: args =>
      reporting('Compare failed', async () => {
        const body = ReactWidget.create(<CompareView a={String(args.left)} b={String(args.right)} />);
        body.addClass('jp-mlops-compare-dialog');
        await showDialog({ title: 'Compare runs', body, buttons: [Dialog.okButton({ label: 'Close' })] });
      })
  });
}
