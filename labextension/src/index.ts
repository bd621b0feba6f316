import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { addCellCommands } from './cellCommands';
import { CommandIDs } from './commandIds';
import { LiveFeed } from './feed';
import { mlopsIcon } from './icon';
import { MLOpsSidebar } from './panel';
import { addRunCommands } from './runCommands';
import { addScheduleCommands } from './scheduleCommands';
import { PLUGIN_ID, readDefaults } from './settings';

/** Commands offered in the palette; the per-run and per-schedule ones need an id, so live in the panel. */
const PALETTE = [
  CommandIDs.showPanel,
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
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    editorServices: IEditorServices,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
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
      .then(loaded => (settings = loaded))
      .catch(() => undefined);
  }
};

export default plugin;
