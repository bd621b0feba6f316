/**
 * Opening the Run / Schedule / Batch dialog for a notebook: save it first (after asking), read
 * its pipeline and the backends, pre-fill from the settings, then start the run, create the
 * schedule or start the batch.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';

import {
  createSchedule,
  listBackends,
  listKernels,
  listSecrets,
  pipelineAt,
  startBatch,
  startRun,
  updateSchedule
} from './api';
import { RunDraft, RunForm, RunValue } from './components/RunForm';
import { PRESETS } from './cron';
import { formatEnv, formatSecrets } from './environment';
import { askForm } from './form';
import { draftOf, EMPTY_NOTIFY } from './notify';
import { formatValue } from './params';
import { Defaults } from './settings';
import { Batch, Run, Schedule } from './types';

/** Saves unsaved edits after asking: a run executes the file on disk. False when the user declines. */
export async function savedFirst(panel: NotebookPanel): Promise<boolean> {
  if (!panel.context.model.dirty) {
    return true;
  }
  const answer = await showDialog({
    title: 'Save the notebook first?',
    body: `${panel.context.path} has unsaved changes; a run executes the saved file.`,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Save and continue' })]
  });
  if (!answer.button.accept) {
    return false;
  }
  await panel.context.save();
  return true;
}

/** A new dialog's starting state, or null (after saying why) when the notebook cannot run. */
async function initialDraft(
  mode: RunDraft['mode'],
  path: string,
  defaults: Defaults
): Promise<RunDraft | null> {
  const [report, backends, kernels, secrets] = await Promise.all([
    pipelineAt(path),
    listBackends(),
    listKernels(),
    listSecrets()
  ]);
  if (report.pipeline === null) {
    const problems = report.errors.map(e => (e.cell_index !== null && e.cell_index !== undefined ? `cell ${e.cell_index}: ` : '') + e.message);
    await showErrorMessage('The pipeline is not valid', problems.join('\n'));
    return null;
  }
  const usable = backends.find(b => b.name === defaults.backend && b.available);
  const allSteps = report.pipeline.implicit ? [] : report.pipeline.steps.map(step => step.name);
  return {
    mode,
    path,
    parameters: report.pipeline.parameters,
    texts: {},
    allSteps,
    steps: allSteps,
    backends,
    backend: usable ? defaults.backend : 'local',
    image: defaults.image,
    cluster: '',
    sharedPath: false,
    cron: PRESETS.find(preset => preset.id === 'daily')!.cron,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    catchUp: 'once',
    overlap: 'skip',
    retries: 0,
    parallel: null,
    failFast: false,
    kernels,
    kernel: '',
    envText: '',
    secretsText: '',
    secretNames: secrets.map(secret => secret.name),
    followFile: false,
    tell: EMPTY_NOTIFY,
    keepReport: false
  };
}

async function ask(draft: RunDraft, title: string, accept: string): Promise<RunValue | null> {
  return askForm<RunDraft, RunValue>({ title, accept, form: RunForm, draft });
}

const TITLES: Record<RunDraft['mode'], { title: string; accept: string }> = {
  run: { title: 'Run', accept: 'Run now' },
  schedule: { title: 'Schedule', accept: 'Create schedule' },
  batch: { title: 'Batch', accept: 'Start batch' }
};

/** "Run now", "Schedule…" and "Batch…" on an open notebook; the run, schedule or batch made, or null. */
export async function runOrSchedule(
  panel: NotebookPanel,
  mode: RunDraft['mode'],
  defaults: Defaults
): Promise<Run | Schedule | Batch | null> {
  if (!(await savedFirst(panel))) {
    return null;
  }
  const path = panel.context.path;
  const draft = await initialDraft(mode, path, defaults);
  if (draft === null) {
    return null;
  }
  const value = await ask(draft, `${TITLES[mode].title} ${path}`, TITLES[mode].accept);
  switch (value?.mode) {
    case 'run':
      return startRun(value.request);
    case 'schedule':
      return createSchedule(value.spec);
    case 'batch':
      return startBatch(value.spec);
    default:
      return null;
  }
}

/** "Edit" on a schedule: the same dialog, filled with the schedule's own values. */
export async function editSchedule(schedule: Schedule, defaults: Defaults): Promise<Schedule | null> {
  const path = schedule.path ?? schedule.notebook;
  const draft = await initialDraft('schedule', path, defaults);
  if (draft === null) {
    return null;
  }
  const texts = Object.fromEntries(
    draft.parameters
      .filter(parameter => parameter.name in schedule.parameters)
      .map(parameter => {
        const value = schedule.parameters[parameter.name];
        return [parameter.name, formatValue(parameter.type, value)];
      })
  );
  const value = await ask(
    {
      ...draft,
      texts,
      steps: schedule.steps ?? draft.allSteps,
      backend: schedule.backend,
      image: schedule.image ?? '',
      cluster: schedule.cluster ?? '',
      sharedPath: schedule.shared_path,
      cron: schedule.cron,
      timezone: schedule.timezone,
      catchUp: schedule.catch_up,
      overlap: schedule.overlap,
      retries: schedule.retries,
      kernel: schedule.kernel_name ?? '',
      envText: formatEnv(schedule.env ?? {}),
      secretsText: formatSecrets(schedule.secrets ?? {}),
      followFile: schedule.follow_file ?? false,
      tell: draftOf(schedule.notify),
      keepReport: schedule.report === 'html'
    },
    `Edit schedule ${schedule.name}`,
    'Save'
  );
  if (value === null || value.mode !== 'schedule') {
    return null;
  }
  const { notebook: _unchanged, ...changes } = value.spec;
  return updateSchedule(schedule.id, changes);
}
