/**
 * The REST API, one typed function per route the panel uses; all go through `requestAPI`.
 */
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import { apiUrl } from './url';
import {
  BackendState,
  Batch,
  BatchPage,
  BatchResults,
  BatchSpec,
  CronPreview,
  Drift,
  KernelChoice,
  LogChunk,
  MetricHistory,
  Notify,
  PipelineReport,
  Placement,
  Rerun,
  Run,
  RunComparison,
  RunEnvironment,
  RunFilters,
  RunPage,
  Schedule,
  ScheduleSpec,
  SecretEntry
} from './types';

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  body: body === undefined ? undefined : JSON.stringify(body)
});

/** The pipeline of a notebook's current (possibly unsaved) content. */
export function pipelineOf(content: unknown): Promise<PipelineReport> {
  return requestAPI('pipeline', json('POST', { content }));
}

/** The pipeline of a saved notebook. */
export function pipelineAt(path: string): Promise<PipelineReport> {
  return requestAPI('pipeline', {}, { path });
}

/** What a run asks for: the body of `POST runs`. */
export interface StartRun extends Placement, RunEnvironment {
  path: string;
  parameters: Record<string, unknown>;
  steps: string[] | null;
  notify?: Notify | null;
}

export function startRun(request: StartRun): Promise<Run> {
  return requestAPI('runs', json('POST', request));
}

/** Runs, newest first; of one notebook when `notebook` is given. */
export function listRuns(notebook: string | null, limit = 50): Promise<RunPage> {
  return requestAPI('runs', {}, { notebook, limit });
}

/** A page of runs matching the filters, newest first, with the total over all pages. */
export function queryRuns(filters: RunFilters, limit: number, offset: number): Promise<RunPage> {
  return requestAPI('runs', {}, { ...filters, search: filters.search.trim() || null, limit, offset });
}

/** Run `a` against run `b`: lineage and the output notebooks cell by cell (nbdime on the server). */
export function compareRuns(a: string, b: string): Promise<RunComparison> {
  return requestAPI(`runs/${encodeURIComponent(a)}/compare/${encodeURIComponent(b)}`);
}

export function getRun(id: string): Promise<Run> {
  return requestAPI(`runs/${encodeURIComponent(id)}`);
}

export function cancelRun(id: string): Promise<Run> {
  return requestAPI(`runs/${encodeURIComponent(id)}/cancel`, json('POST'));
}

/** A new run of exactly what the run executed: its snapshot, parameters and image, not the file as it is now. */
export function rerunRun(id: string): Promise<Rerun> {
  return requestAPI(`runs/${encodeURIComponent(id)}/rerun`, json('POST'));
}

export function readLog(id: string, offset: number): Promise<LogChunk> {
  return requestAPI(`runs/${encodeURIComponent(id)}/log`, {}, { offset });
}

/** The executed notebook (nbformat JSON). */
export function runNotebook(id: string): Promise<unknown> {
  return requestAPI(`runs/${encodeURIComponent(id)}/notebook`);
}

/** Where a run's HTML report is served (a sandboxed page: no script of the notebook runs). */
export function reportUrl(id: string): string {
  return apiUrl(ServerConnection.makeSettings().baseUrl, `runs/${encodeURIComponent(id)}/report.html`);
}

/** Every metric a schedule's finished runs recorded, oldest first, with its alert thresholds. */
export function metricHistory(scheduleId: string): Promise<MetricHistory> {
  return requestAPI('metrics', {}, { schedule_id: scheduleId });
}

export async function listBackends(): Promise<BackendState[]> {
  return (await requestAPI<{ backends: BackendState[] }>('backends')).backends;
}

/** The kernelspecs a run, batch or schedule can choose. */
export async function listKernels(): Promise<KernelChoice[]> {
  return (await requestAPI<{ kernels: KernelChoice[] }>('kernels')).kernels;
}

/** Secret names (write-only: the API never returns a value). */
export async function listSecrets(): Promise<SecretEntry[]> {
  return (await requestAPI<{ secrets: SecretEntry[] }>('secrets')).secrets;
}

export function setSecret(name: string, value: string): Promise<SecretEntry> {
  return requestAPI(`secrets/${encodeURIComponent(name)}`, json('PUT', { value }));
}

export async function removeSecret(name: string): Promise<SecretEntry[]> {
  return (await requestAPI<{ secrets: SecretEntry[] }>(`secrets/${encodeURIComponent(name)}`, json('DELETE')))
    .secrets;
}

/** "Update to the current notebook": pin the file's content; what changed since the old version. */
export function pinSchedule(id: string): Promise<{ schedule: Schedule; changes: Drift }> {
  return requestAPI(`schedules/${encodeURIComponent(id)}/pin`, json('POST'));
}

/** nbdime's rendering of how the file differs from the pinned version ('' when it does not). */
export async function scheduleDiff(id: string): Promise<string> {
  return (await requestAPI<{ diff: string }>(`schedules/${encodeURIComponent(id)}/diff`)).diff;
}

export async function listSchedules(): Promise<Schedule[]> {
  return (await requestAPI<{ schedules: Schedule[] }>('schedules')).schedules;
}

export function getSchedule(id: string): Promise<Schedule> {
  return requestAPI(`schedules/${encodeURIComponent(id)}`);
}

export function createSchedule(spec: ScheduleSpec): Promise<Schedule> {
  return requestAPI('schedules', json('POST', spec));
}

export function updateSchedule(id: string, changes: Partial<ScheduleSpec>): Promise<Schedule> {
  return requestAPI(`schedules/${encodeURIComponent(id)}`, json('PATCH', changes));
}

export function deleteSchedule(id: string): Promise<unknown> {
  return requestAPI(`schedules/${encodeURIComponent(id)}`, json('DELETE'));
}

export type ScheduleAction = 'pause' | 'resume' | 'run';

export function scheduleAction(id: string, action: ScheduleAction): Promise<unknown> {
  return requestAPI(`schedules/${encodeURIComponent(id)}/${action}`, json('POST'));
}

/** Pins the notebook's current content as the version the schedule's fires run. */
export function previewCron(cron: string, timezone: string): Promise<CronPreview> {
  return requestAPI('schedules/preview', {}, { cron, timezone });
}

/** Batches, newest first; of one notebook when `notebook` is given. */
export function listBatches(notebook: string | null, limit = 50): Promise<BatchPage> {
  return requestAPI('batches', {}, { notebook, limit });
}

export function startBatch(spec: BatchSpec): Promise<Batch> {
  return requestAPI('batches', json('POST', spec));
}

export function cancelBatch(id: string): Promise<Batch> {
  return requestAPI(`batches/${encodeURIComponent(id)}/cancel`, json('POST'));
}

/** The order asked of a results table: by a column (rows without a value last), or the batch's. */
const resultsOrder = (sort: string | null, descending: boolean) => ({ sort, descending: sort ? descending : null });

/** The results table as CSV text (a row per run: parameters, metrics, status, duration, run_id). */
export function batchResultsCsv(id: string, sort: string | null, descending: boolean): Promise<string> {
  return requestAPI(`batches/${encodeURIComponent(id)}/results.csv`, {}, resultsOrder(sort, descending));
}

/** The results table, sorted as asked. */
export function batchResults(id: string, sort: string | null, descending: boolean): Promise<BatchResults> {
  return requestAPI(`batches/${encodeURIComponent(id)}/results`, {}, resultsOrder(sort, descending));
}
