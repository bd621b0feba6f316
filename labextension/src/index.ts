import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { mlopsIcon } from './icon';
import { MLOpsSidebar } from './panel';

/** Every user action is a command, so it is in the palette, menus and shortcuts. */
export namespace CommandIDs {
  export const showPanel = 'jupyter-mlops:show-panel';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:plugin',
  description: 'The MLOps sidebar: the active notebook as a pipeline of %%mlstep steps.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const sidebar = new MLOpsSidebar(tracker);
    app.shell.add(sidebar, 'left', { rank: 600 });
    // Reopens the panel after a reload if it was open.
    restorer?.add(sidebar, sidebar.id);

    app.commands.addCommand(CommandIDs.showPanel, {
      label: 'Show MLOps Pipeline Panel',
      icon: mlopsIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    palette?.addItem({ command: CommandIDs.showPanel, category: 'MLOps' });
  }
};

export default plugin;
