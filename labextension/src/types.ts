/**
 * The REST API's records, as the server's pydantic models serialise them
 * (jupyter_mlops/pipeline/model.py, run/model.py, schedule/model.py, server/models.py).
 * Only the fields the panel reads are listed.
 */

/** 'any': the parameters cell assigns it something other than a literal (its `source`). */
export type ParameterType = 'int' | 'float' | 'str' | 'bool' | 'list' | 'dict' | 'NoneType' | 'any';

export interface Parameter {
  name: string;
  type: ParameterType;
  default: unknown;
  /** The default's source when it is not a literal (e.g. `os.getcwd()`): the default is then unknown. */
  source?: string | null;
  cell_index: number;
}

export interface Step {
  name: string;
  cell_indices: number[];
  after: string[];
}

export interface Pipeline {
  steps: Step[];
  parameters: Parameter[];
  parameters_cell: number | null;
  implicit: boolean;
}

export interface PipelineProblem {
  error: string;
  message: string;
  cell_index?: number | null;
  step?: string | null;
}

export interface PipelineReport {
  pipeline: Pipeline | null;
  errors: PipelineProblem[];
}

export type RunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | 'lost'
  | 'check_failed';

export type StepStatus =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'skipped';

export interface StepResult {
  name: string;
  status: StepStatus;
  started_at?: string | null;
  ended_at?: string | null;
  duration: number | null;
  attempts?: number;
  error: string | null;
}

export interface FileFingerprint {
  path: string;
  size: number | null;
  sha256: string | null;
}

/** What the run record keeps of where it came from (lineage/model.py). */
export interface Lineage {
  notebook_sha256: string;
  git: { commit: string; dirty: boolean } | null;
  parameters: Record<string, unknown>;
  environment: { kind: 'local' | 'image'; id: string; python: string | null; image: string | null } | null;
  inputs: Record<string, FileFingerprint>;
  outputs: Record<string, FileFingerprint>;
}

export interface Run {
  id: string;
  notebook: string;
  path: string | null;
  status: RunStatus;
  trigger: 'manual' | 'schedule' | 'batch' | 'rerun';
  schedule_id: string | null;
  batch_id: string | null;
  backend: string;
  parameters: Record<string, unknown>;
  steps_selected: string[] | null;
  steps: StepResult[];
  metrics: Record<string, unknown>;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  spec: {
    image: string | null;
    kernel_name: string | null;
    env: Record<string, string>;
    secrets: Record<string, string>;
    /** The kept notebook version the run executed (a pinned schedule's), else null. */
    notebook_version: string | null;
    cluster?: string | null;
    shared_path?: boolean;
  };
  lineage?: Lineage | null;
  /** Every delivery attempt about this run (notify/model.py Delivery). */
  notifications?: Delivery[];
}

export type NotifyEvent = 'failure' | 'success' | 'slow' | 'alert' | 'batch_done';

/** Channels and events (notify/model.py Notify); `command` is never sent from the panel. */
export interface Notify {
  email: string[];
  slack_secret: string | null;
  webhook: string | null;
  events: NotifyEvent[];
  slow_after: number | null;
  alerts: string[];
}

export interface Delivery {
  event: string;
  channel: string;
  to: string;
  at: string;
  attempt: number;
  ok: boolean;
  error: string | null;
}

export interface MetricPoint {
  run_id: string;
  at: string;
  status: RunStatus;
  metrics: Record<string, unknown>;
}

export interface Threshold {
  metric: string;
  op: string;
  value: number;
}

/** `GET metrics?schedule_id=`: every metric of a schedule's finished runs, oldest first. */
export interface MetricHistory {
  schedule_id: string | null;
  metrics: string[];
  numeric: string[];
  points: MetricPoint[];
  thresholds: Threshold[];
}

export type RunTrigger = Run['trigger'];

/** The runs list's filters (`GET runs`); null or empty: not filtered. */
export interface RunFilters {
  notebook: string | null;
  status: RunStatus | null;
  trigger: RunTrigger | null;
  schedule_id: string | null;
  batch_id: string | null;
  search: string;
}

/** One aligned pair of cells of two output notebooks (lineage/notebook_diff.py). */
export interface CellChange {
  kind: 'unchanged' | 'modified' | 'added' | 'removed';
  cell_type: string;
  a_index: number | null;
  b_index: number | null;
  a_source: string | null;
  b_source: string | null;
  source_diff: string[];
  changed: string[];
}

export interface ValueChange {
  name: string;
  a: unknown;
  b: unknown;
}

/** `GET runs/{a}/compare/{b}` (service/lineage.py RunComparison). */
export interface RunComparison {
  a: string;
  b: string;
  lineage: {
    code: string[];
    parameters: ValueChange[];
    inputs: ValueChange[];
    outputs: ValueChange[];
    environment: ValueChange[];
    metrics: ValueChange[];
  } | null;
  lineage_problem: string | null;
  cells: CellChange[] | null;
  cells_problem: string | null;
}

export interface Rerun {
  run: Run;
  /** Declared inputs that changed since the original run. */
  warnings: string[];
}

export interface RunPage {
  runs: Run[];
  total: number;
}

export interface LogChunk {
  text: string;
  next_offset: number;
}

export interface BackendState {
  name: string;
  available: boolean;
  detail: string;
  images?: string[];
  /** Runs go to a cluster (dask): the dialog asks which, and `detail` says what it offers. */
  cluster?: boolean;
}

export type CatchUp = 'once' | 'all' | 'skip';
export type Overlap = 'skip' | 'queue' | 'allow';

/** Where runs go, the same in every body that starts runs (a run's, a schedule's, a batch's). */
export interface Placement {
  backend: string;
  /** null runs on the steps' --image, else the backend's default image. */
  image: string | null;
  /** Dask cluster (scheduler address or file); null: the dask_scheduler setting. */
  cluster: string | null;
  shared_path: boolean;
}

/** The kernel and environment runs get, the same in every body that starts runs. */
export interface RunEnvironment {
  /** A kernelspec name; null: the notebook's kernel. */
  kernel_name: string | null;
  env: Record<string, string>;
  /** Environment variable -> secret name (never a value). */
  secrets: Record<string, string>;
}

/** What a schedule asks for: the body of `POST schedules`. */
export interface ScheduleSpec extends Placement, RunEnvironment {
  notebook: string;
  cron: string;
  timezone: string;
  parameters: Record<string, unknown>;
  steps: string[] | null;
  catch_up: CatchUp;
  overlap: Overlap;
  retries: number;
  /** Run the file as it is at each fire instead of the pinned version. */
  follow_file: boolean;
  notify?: Notify | null;
  /** 'html' keeps each run's report.html in its run folder. */
  report?: 'html' | null;
}

/** A kept notebook version (store/versions.py). */
export interface NotebookVersion {
  sha256: string;
  notebook: string;
  created_at: string;
  git_commit: string | null;
  git_dirty: boolean | null;
}

/** The notebook file against a schedule's pinned version (schedule/drift.py). */
export interface Drift {
  differs: boolean;
  cells_added: number;
  cells_removed: number;
  cells_changed: number;
  parameters_added: string[];
  parameters_removed: string[];
  error: string | null;
  summary: string;
}

export interface KernelChoice {
  name: string;
  display_name: string;
  language: string;
}

/** A secret as the API shows it: its name and when it was set, never its value. */
export interface SecretEntry {
  name: string;
  set_at: string;
}

/** The notebook content a schedule runs (store/versions.py NotebookVersion). */
export interface NotebookVersion {
  sha256: string;
  created_at: string;
  git_commit: string | null;
  git_dirty: boolean | null;
}

/** The notebook file against a schedule's pinned version (schedule/drift.py). */
export interface Drift {
  differs: boolean;
  error: string | null;
  summary: string;
}

export interface Schedule extends ScheduleSpec {
  id: string;
  name: string;
  path?: string | null;
  paused: boolean;
  next_fire_at: string | null;
  description: string;
  last_run_id: string | null;
  last_run_status: RunStatus | null;
  version: NotebookVersion | null;
  drift: Drift | null;
}

export interface CronPreview {
  description: string;
  next: string[];
}

export type BatchStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a batch runs: the body of `POST batches` (batch/model.py BatchSpec). */
export interface BatchSpec extends Placement, RunEnvironment {
  notebook: string;
  /** One parameter set per run, in order. */
  points: Record<string, unknown>[];
  steps: string[] | null;
  /** Runs at once; null lets the server use its number of cores (dask: the cluster's threads). */
  parallel: number | null;
  fail_fast: boolean;
  notify?: Notify | null;
}

export interface Batch {
  id: string;
  notebook: string;
  /** The notebook relative to the server root; null outside it. */
  path: string | null;
  status: BatchStatus;
  spec: BatchSpec;
  run_ids: string[];
  parallel: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  /** Runs by status. */
  counts: Record<string, number>;
}

export interface BatchPage {
  batches: Batch[];
  total: number;
}

export interface ResultRow {
  run_id: string;
  status: RunStatus;
  duration: number | null;
  parameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  error: string | null;
}

/** Parameters × metrics × status × duration, one row per run (`GET batches/{id}/results`). */
export interface BatchResults {
  batch_id: string;
  parameters: string[];
  metrics: string[];
  rows: ResultRow[];
}
