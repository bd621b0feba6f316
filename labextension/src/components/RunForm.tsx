/**
 * The one dialog for "Run now", "Schedule…" and "Batch…": parameters (typed, pre-filled from
 * the parameters cell; for a batch, lists of values whose every combination runs), steps,
 * backend and image, the kernel, variables and secrets, for a schedule the cron, its preview,
 * whether to follow the file instead of pinning this version, and the policies, and for a batch
 * how many runs at once and whether the first failure stops it; and whom to tell (email, Slack,
 * a webhook) on which events, with a schedule's HTML report.
 */
import { HTMLSelect } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { StartRun } from '../api';
import { parseEnv, parseSecrets } from '../environment';
import { FormProps } from '../form';
import { NotifyDraft, notifyOf } from '../notify';
import { collectAxes, collectParameters, expandGrid } from '../params';
import { BackendState, BatchSpec, CatchUp, NotifyEvent, Overlap, Parameter, Placement, ScheduleSpec } from '../types';
import { CheckList } from './CheckList';
import { ParameterInputs } from './ParameterInputs';
import { CronPicker, useCronPreview } from './CronPicker';
import { EnvironmentDraft, EnvironmentFields } from './EnvironmentFields';

export interface RunDraft extends EnvironmentDraft {
  mode: 'run' | 'schedule' | 'batch';
  path: string;
  parameters: Parameter[];
  /** Input text by parameter name; a parameter missing here shows its default. */
  texts: Record<string, string>;
  allSteps: string[];
  /** The steps to run (with what they depend on); all of them when every box is ticked. */
  steps: string[];
  backends: BackendState[];
  backend: string;
  /** '' runs on the backend's default image. */
  image: string;
  /** '' runs on the configured cluster (cluster backends). */
  cluster: string;
  sharedPath: boolean;
  cron: string;
  timezone: string;
  catchUp: CatchUp;
  overlap: Overlap;
  retries: number;
  /** Batch runs at once; null: as many as the server has cores. */
  parallel: number | null;
  failFast: boolean;
  /** Schedules: run the file as it is at each fire instead of the version pinned now. */
  followFile: boolean;
  /** Whom to tell, and when. */
  tell: NotifyDraft;
  /** A schedule keeps each run's HTML report. */
  keepReport: boolean;
}

export type RunValue =
  | { mode: 'run'; request: StartRun }
  | { mode: 'schedule'; spec: ScheduleSpec }
  | { mode: 'batch'; spec: BatchSpec };

/** The parameter sets a batch draft runs, or null while an axis is not valid. */
function batchPoints(draft: RunDraft): Record<string, unknown>[] | null {
  const { axes, errors } = collectAxes(draft.parameters, draft.texts);
  return Object.keys(errors).length > 0 ? null : expandGrid(axes);
}

/** Where the runs go: the backend, and its image or cluster. */
function placement(draft: RunDraft): Placement {
  const onCluster = draft.backends.find(b => b.name === draft.backend)?.cluster ?? false;
  return {
    backend: draft.backend,
    image: onCluster ? null : draft.image || null,
    cluster: onCluster ? draft.cluster.trim() || null : null,
    shared_path: onCluster && draft.sharedPath
  };
}

function valueOf(draft: RunDraft, cronOk: boolean): RunValue | null {
  const env = parseEnv(draft.envText);
  const secrets = parseSecrets(draft.secretsText);
  const told = notifyOf(draft.tell);
  if (draft.steps.length === 0 || env.values === null || secrets.values === null) {
    return null;
  }
  if (Object.keys(told.errors).length > 0) {
    return null;
  }
  const notify = told.notify;
  const environment = { kernel_name: draft.kernel || null, env: env.values, secrets: secrets.values };
  const steps = draft.steps.length === draft.allSteps.length ? null : draft.steps;
  if (draft.mode === 'batch') {
    const points = batchPoints(draft);
    return points === null
      ? null
      : {
          mode: 'batch',
          spec: {
            notebook: draft.path,
            points,
            steps,
            ...placement(draft),
            parallel: draft.parallel,
            fail_fast: draft.failFast,
            ...environment,
            notify
          }
        };
  }
  const { values, errors } = collectParameters(draft.parameters, draft.texts);
  if (Object.keys(errors).length > 0) {
    return null;
  }
  const common = { parameters: values, steps, ...placement(draft), ...environment };
  if (draft.mode === 'run') {
    return { mode: 'run', request: { path: draft.path, ...common, notify } };
  }
  if (!cronOk) {
    return null;
  }
  return {
    mode: 'schedule',
    spec: {
      notebook: draft.path,
      ...common,
      cron: draft.cron,
      timezone: draft.timezone,
      catch_up: draft.catchUp,
      overlap: draft.overlap,
      retries: draft.retries,
      follow_file: draft.followFile,
      notify,
      report: draft.keepReport ? 'html' : null
    }
  };
}

const EVENT_LABELS: [NotifyEvent, string][] = [
  ['failure', 'it fails'],
  ['success', 'it succeeds'],
  ['slow', 'it is slow'],
  ['alert', 'a metric alerts']
];

/** Email, Slack and webhook, and for runs and schedules the events that use them. */
function TellFields(props: {
  tell: NotifyDraft;
  batch: boolean;
  onChange: (tell: NotifyDraft) => void;
}): JSX.Element {
  const { tell } = props;
  const { errors } = notifyOf(tell);
  const set = (changes: Partial<NotifyDraft>) => props.onChange({ ...tell, ...changes });
  const field = (label: string, key: 'emails' | 'slackSecret' | 'webhook', placeholder: string) => (
    <label className="jp-mlops-field">
      <span>{label}</span>
      <input
        className="jp-mlops-text"
        aria-label={label}
        placeholder={placeholder}
        value={tell[key]}
        onChange={event => set({ [key]: event.target.value })}
      />
      {errors[key] && <div className="jp-mlops-field-error">{errors[key]}</div>}
    </label>
  );
  return (
    <fieldset className="jp-mlops-fieldset jp-mlops-tell" aria-label="Tell">
      <legend>{props.batch ? 'Tell when the batch ends' : 'Tell'}</legend>
      {field('Email', 'emails', 'ana@example.org, …')}
      {field('Slack secret', 'slackSecret', 'name of the secret holding the webhook URL')}
      {field('Webhook', 'webhook', 'https://…')}
      {!props.batch && (
        <>
          <div className="jp-mlops-segmented" role="group" aria-label="Events">
            <span>When</span>
            {EVENT_LABELS.map(([event, label]) => (
              <label key={event} className="jp-mlops-check">
                <input
                  type="checkbox"
                  aria-label={`Tell when ${label}`}
                  checked={tell.events.includes(event)}
                  onChange={change =>
                    set({
                      events: change.target.checked
                        ? [...tell.events, event]
                        : tell.events.filter(other => other !== event)
                    })
                  }
                />
                {label}
              </label>
            ))}
          </div>
          {/* No HTML step: the dialog refuses while an input is :invalid, and fractional seconds are valid. */}
          <label className="jp-mlops-field">
            <span>Slow after (seconds)</span>
            <input
              className="jp-mlops-number"
              type="number"
              min={0}
              step="any"
              aria-label="Slow after"
              value={tell.slowAfter}
              onChange={event => set({ slowAfter: event.target.value })}
            />
            {errors.slowAfter && <div className="jp-mlops-field-error">{errors.slowAfter}</div>}
          </label>
          <label className="jp-mlops-field">
            <span>Alerts, one a line</span>
            <textarea
              className="jp-mlops-text"
              aria-label="Alerts"
              rows={2}
              placeholder="accuracy < 0.8"
              value={tell.alerts}
              onChange={event => set({ alerts: event.target.value })}
            />
            {errors.alerts && <div className="jp-mlops-field-error">{errors.alerts}</div>}
          </label>
        </>
      )}
    </fieldset>
  );
}

/** How many runs the grid makes, or why it makes none. */
function BatchSize({ points }: { points: Record<string, unknown>[] | null }): JSX.Element {
  const varied = points !== null && Object.keys(points[0]).length > 0;
  return (
    <div className="jp-mlops-hint" aria-live="polite">
      Give a parameter several values, separated by commas: every combination runs.{' '}
      {points === null ? '' : <strong>{points.length} run{points.length === 1 ? '' : 's'}</strong>}
      {points !== null && !varied ? ' with the defaults.' : ''}
    </div>
  );
}

export function RunForm(props: FormProps<RunDraft, RunValue>): JSX.Element {
  const [draft, setDraft] = useState(props.draft);
  const preview = useCronPreview(draft.mode === 'schedule' ? draft.cron : null, draft.timezone);
  useEffect(() => {
    props.report(draft, valueOf(draft, preview.error === null && preview.description !== null));
  }, [draft, preview]);
  const update = (changes: Partial<RunDraft>) => setDraft(current => ({ ...current, ...changes }));
  /** A tick box for one yes/no field of the draft. */
  const tick = (
    key: 'sharedPath' | 'failFast' | 'followFile' | 'keepReport',
    label: React.ReactNode,
    className = 'jp-mlops-check'
  ) => (
    <label className={className}>
      <input type="checkbox" checked={draft[key]} onChange={event => update({ [key]: event.target.checked })} />
      {label}
    </label>
  );
  const backend = draft.backends.find(b => b.name === draft.backend);
  const images = backend?.images ?? [];

  return (
    <div className="jp-mlops-run-form">
      <section aria-label="Parameters">
        <h3 className="jp-mlops-form-heading">Parameters</h3>
        {draft.mode === 'batch' && <BatchSize points={batchPoints(draft)} />}
        <ParameterInputs
          parameters={draft.parameters}
          texts={draft.texts}
          axes={draft.mode === 'batch'}
          onChange={(name, text) => update({ texts: { ...draft.texts, [name]: text } })}
        />
      </section>

      {draft.allSteps.length > 1 && (
        <fieldset className="jp-mlops-fieldset">
          <legend>Steps (with what they depend on)</legend>
          <CheckList choices={draft.allSteps} chosen={draft.steps} onChange={steps => update({ steps })} />
          {draft.steps.length === 0 && <div className="jp-mlops-field-error">Choose at least one step.</div>}
        </fieldset>
      )}

      <fieldset className="jp-mlops-fieldset jp-mlops-segmented" role="radiogroup" aria-label="Backend">
        <legend>Run on</legend>
        {draft.backends.map(choice => (
          <label key={choice.name} title={choice.detail} className={choice.available ? '' : 'jp-mod-disabled'}>
            <input
              type="radio"
              name="jp-mlops-backend"
              value={choice.name}
              disabled={!choice.available}
              checked={draft.backend === choice.name}
              onChange={() => update({ backend: choice.name })}
            />
            <span>{choice.name}</span>
          </label>
        ))}
      </fieldset>
      {backend && !backend.available && <div className="jp-mlops-field-error">{backend.detail}</div>}

      {backend?.cluster && (
        <>
          <label className="jp-mlops-field">
            <span>Cluster</span>
            <input
              aria-label="Cluster"
              className="jp-mlops-text"
              placeholder="tcp://host:8786 (default: the dask_scheduler setting)"
              value={draft.cluster}
              onChange={event => update({ cluster: event.target.value })}
            />
          </label>
          {tick('sharedPath', <span>Workers see this folder (do not ship it)</span>, 'jp-mlops-field')}
        </>
      )}

      {draft.backend !== 'local' && !backend?.cluster && (
        <label className="jp-mlops-field">
          <span>Image</span>
          <HTMLSelect
            aria-label="Image"
            value={draft.image}
            onChange={event => update({ image: event.target.value })}
          >
            <option value="">Backend default</option>
            {[...new Set([...images, ...(draft.image ? [draft.image] : [])])].map(image => (
              <option key={image} value={image}>
                {image}
              </option>
            ))}
          </HTMLSelect>
        </label>
      )}

      <EnvironmentFields
        draft={draft}
        envError={parseEnv(draft.envText).error}
        secretsError={parseSecrets(draft.secretsText).error}
        onChange={changes => update(changes)}
      />

      {draft.mode === 'batch' && (
        <fieldset className="jp-mlops-fieldset">
          <legend>Batch</legend>
          <label className="jp-mlops-field">
            <span>Runs at once</span>
            <input
              className="jp-mlops-number"
              type="number"
              min={1}
              placeholder="cores"
              aria-label="Runs at once"
              value={draft.parallel ?? ''}
              onChange={event => {
                const count = Math.floor(Number(event.target.value));
                update({ parallel: event.target.value === '' || count < 1 ? null : count });
              }}
            />
          </label>
          {tick('failFast', 'Stop at the first run that does not succeed')}
        </fieldset>
      )}

      {draft.mode === 'schedule' && (
        <>
          <CronPicker
            cron={draft.cron}
            timezone={draft.timezone}
            preview={preview}
            onChange={changes => update(changes)}
          />
          {tick('followFile', 'Run the file as it is at each fire (do not pin this version)')}
          <fieldset className="jp-mlops-fieldset jp-mlops-policies">
            <legend>Policies</legend>
            <label className="jp-mlops-field">
              <span>If the previous run still runs</span>
              <HTMLSelect value={draft.overlap} onChange={event => update({ overlap: event.target.value as Overlap })}>
                <option value="skip">skip this fire</option>
                <option value="queue">queue it</option>
                <option value="allow">run both</option>
              </HTMLSelect>
            </label>
            <label className="jp-mlops-field">
              <span>Fires missed while no scheduler ran</span>
              <HTMLSelect value={draft.catchUp} onChange={event => update({ catchUp: event.target.value as CatchUp })}>
                <option value="once">run the latest once</option>
                <option value="all">run each</option>
                <option value="skip">skip them</option>
              </HTMLSelect>
            </label>
            <label className="jp-mlops-field">
              <span>Retries after a failure</span>
              <input
                className="jp-mlops-number"
                type="number"
                min={0}
                max={10}
                value={draft.retries}
                onChange={event => update({ retries: Math.max(0, Math.min(10, Math.floor(Number(event.target.value)) || 0)) })}
              />
            </label>
            {tick('keepReport', "Keep each run's HTML report")}
          </fieldset>
        </>
      )}

      <TellFields tell={draft.tell} batch={draft.mode === 'batch'} onChange={tell => update({ tell })} />
    </div>
  );
}
