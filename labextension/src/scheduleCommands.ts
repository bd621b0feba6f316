/** Commands on one schedule (argument `id`): pause, resume, edit, delete, run now, update to the current notebook. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { deleteSchedule, getSchedule, pinSchedule, scheduleAction } from './api';
import { CommandIDs } from './commandIds';
import { editSchedule } from './runDialog';
import { reporting } from './runCommands';
import { Defaults } from './settings';

const idOf = (args: ReadonlyPartialJSONObject) => String(args.id ?? '');

export function addScheduleCommands(app: JupyterFrontEnd, defaults: () => Defaults): void {
  const { commands } = app;

  commands.addCommand(CommandIDs.pauseSchedule, {
    label: 'Pause Schedule',
    execute: args => reporting('Pause failed', () => scheduleAction(idOf(args), 'pause'))
  });

  commands.addCommand(CommandIDs.resumeSchedule, {
    label: 'Resume Schedule',
    execute: args => reporting('Resume failed', () => scheduleAction(idOf(args), 'resume'))
  });

  commands.addCommand(CommandIDs.runScheduleNow, {
    label: 'Run Schedule Now',
    execute: args => reporting('Run failed to start', () => scheduleAction(idOf(args), 'run'))
  });

  commands.addCommand(CommandIDs.pinSchedule, {
    label: 'Update to the Current Notebook',
    caption: 'Pin the notebook file as it is now: the next fires run it',
    execute: args =>
      reporting('The notebook was not pinned', async () => {
        const { schedule, changes } = await pinSchedule(idOf(args));
        Notification.success(`${schedule.name} now runs the current notebook: ${changes.summary}`, {
          autoClose: 5000
        });
      })
  });

  commands.addCommand(CommandIDs.editSchedule, {
    label: 'Edit Schedule…',
    execute: args =>
      reporting('Schedule not saved', async () => editSchedule(await getSchedule(idOf(args)), defaults()))
  });

  commands.addCommand(CommandIDs.deleteSchedule, {
    label: 'Delete Schedule…',
    execute: args =>
      reporting('Delete failed', async () => {
        const answer = await showDialog({
          title: 'Delete this schedule?',
          body: 'It stops firing; the runs it made are kept.',
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
        });
        if (answer.button.accept) {
          await deleteSchedule(idOf(args));
        }
      })
  });
}
