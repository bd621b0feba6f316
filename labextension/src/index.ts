import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTree } from '@jupyter-notebook/tree';
import { TabPanel } from '@lumino/widgets';

import { addCellCommands } from './cellCommands';
import { CellMarkers } from './cellMarkers';
import { CommandIDs } from './commandIds';
import { DashboardOpener, pageOf } from './dashboard';
import { LiveFeed } from './feed';
import { mlopsIcon } from './icon';
import { MLOpsSidebar } from './panel';
import { addRunCommands } from './runCommands';
import { addScheduleCommands } from './scheduleCommands';
import { PLUGIN_ID, readCellMarkers, readDefaults } from './settings';

/** Commands offered in the palette; the per-run and per-schedule ones need an id, so live in the panel. */
const PALETTE = [
  CommandIDs.showPanel,
  CommandIDs.openDashboard,
  CommandIDs.makeStep,
  CommandIDs.removeStep,
  CommandIDs.markParameters,
  CommandIDs.runNow,
  CommandIDs.schedule,
  CommandIDs.batch
];

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The MLOps sidebar: the active notebook as a pipeline of %%mlstep steps; run, schedule, watch.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry, IEditorServices],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ILauncher, INotebookTree],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    editorServices: IEditorServices,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    launcher: ILauncher | null,
    tree: INotebookTree | null
  ) => {
    const feed = new LiveFeed();
    feed.connect();
    const sidebar = new MLOpsSidebar(tracker, feed, app.commands);
    app.shell.add(sidebar, 'left', { rank: 600 });
    // Reopens the panel after a reload if it was open.
    restorer?.add(sidebar, sidebar.id);

    // Commands are added before anything is awaited: a toolbar drawn meanwhile (Notebook 7 may
    // open the notebook while plugins still activate) renders no button for a missing command.
    // Until the settings load, or if they fail to, the dialogs use the schema's defaults.
    let settings: ISettingRegistry.ISettings | null = null;
    const defaults = () => readDefaults(settings);

    app.commands.addCommand(CommandIDs.showPanel, {
      label: 'Show MLOps Pipeline Panel',
      icon: mlopsIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    addCellCommands(app, tracker);
    const markers = new CellMarkers(tracker, feed, app.commands, () => readCellMarkers(settings));
    // One @lumino/widgets at run time (a shared singleton); the package's own typings pin another copy.
    const dashboard = new DashboardOpener(app, feed, tree as unknown as TabPanel | null);
    app.commands.addCommand(CommandIDs.openDashboard, {
      label: args => (typeof args.run === 'string' ? 'Open Run in the MLOps Dashboard' : 'MLOps Dashboard'),
      caption: 'Runs, schedules and batches of every notebook, with filters, run pages and comparisons',
      icon: mlopsIcon,
      execute: args => dashboard.open(pageOf(args))
    });
    launcher?.add({ command: CommandIDs.openDashboard, category: 'Other', rank: 1 });
    addRunCommands(app, {
      tracker,
      defaults,
      rendermime,
      editorServices,
      showBatch: id => {
        sidebar.showBatch(id);
        app.shell.activateById(sidebar.id);
      }
    });
    addScheduleCommands(app, defaults);
    palette && PALETTE.forEach(command => palette.addItem({ command, category: 'MLOps' }));
    void settingRegistry
      ?.load(PLUGIN_ID)
      .then(loaded => {
        settings = loaded;
        markers.redraw();
        loaded.changed.connect(() => markers.redraw());
      })
      .catch(() => undefined);
  }
};

export default plugin;
