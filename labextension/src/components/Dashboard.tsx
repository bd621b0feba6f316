import { HTMLSelect, launchIcon, listIcon, refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { getRun, getSchedule, listBatches, listSchedules, previewCron, queryRuns } from '../api';
import { CommandIDs } from '../commandIds';
import { Change, LiveFeed } from '../feed';
import { elapsed, formatDuration, formatInstant, formatRelative, isFinished } from '../format';
import { useLiveQuery, useNow, useSchedules } from '../hooks';
import { timeline } from '../timeline';
import { Batch, Run, RunFilters, RunPage, RunStatus, RunTrigger, Schedule } from '../types';
import { BatchesView } from './BatchesView';
import { CommandButton } from './CommandButton';
import { CompareView } from './CompareView';
import { HistoryChart } from './HistoryChart';
import { LogTail } from './LogView';
import { Deliveries } from './RunsView';
import { VersionLine } from './SchedulesView';

/** What the dashboard shows; every page can be asked for by the open-dashboard command. */
export type DashboardPage =
  | { kind: 'runs' }
  | { kind: 'run'; id: string }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'schedules' }
  | { kind: 'schedule'; id: string }
  | { kind: 'batches' };

/** Runs a page of the runs table holds (the API's own limit is higher; this keeps the page readable). */
export const PAGE_SIZE = 50;
/** Changes come in bursts (a batch): the page is re-read once, this long after the last. */
const RELOAD_DEBOUNCE_MS = 400;

const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'];
const TRIGGERS: RunTrigger[] = ['manual', 'schedule', 'batch', 'rerun'];

const NO_FILTERS: RunFilters = {
  notebook: null,
  status: null,
  trigger: null,
  schedule_id: null,
  batch_id: null,
  search: ''
};

type Navigate = (page: DashboardPage) => void;

function Filter(props: {
  label: string;
  value: string | null;
  options: { value: string; label: string }[];
  onChange: (value: string | null) => void;
}): JSX.Element {
  return (
    <label className="jp-mlops-filter">
      <span>{props.label}</span>
      <HTMLSelect
        aria-label={props.label}
        data-filter={props.label.toLowerCase()}
        value={props.value ?? ''}
        onChange={event => props.onChange(event.target.value || null)}
      >
        <option value="">any</option>
        {props.options.map(option => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </HTMLSelect>
    </label>
  );
}

/** A page of runs with the offset it was asked for: the pager describes the page shown, not the one being
 * fetched, so it never reads "51–100 of 55" between a click and the answer. */
interface ShownPage extends RunPage {
  offset: number;
}

/** A page of runs matching `filters`, re-read when a run changes. */
function useRunPage(
  feed: LiveFeed,
  filters: RunFilters,
  offset: number
): { page: ShownPage | null; error: string | null } {
  const { value, error } = useLiveQuery(
    feed,
    () => queryRuns(filters, PAGE_SIZE, offset).then((next): ShownPage => ({ ...next, offset })),
    change => change.kind === 'run',
    RELOAD_DEBOUNCE_MS,
    [filters, offset]
  );
  return { page: value, error };
}

/** Every run, filtered, searched and paged, newest first; two can be compared. */
function RunsTable(props: {
  feed: LiveFeed;
  navigate: Navigate;
  /** Filters the page fixes (a schedule's runs): not offered as choices. */
  fixed?: Partial<RunFilters>;
}): JSX.Element {
  const [filters, setFilters] = useState<RunFilters>({ ...NO_FILTERS, ...props.fixed });
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string[]>([]);
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [batches, setBatches] = useState<Batch[]>([]);
  const [notebooks, setNotebooks] = useState<string[]>([]);
  const { page, error } = useRunPage(props.feed, filters, offset);
  const now = useNow();
  useEffect(() => {
    void listSchedules().then(setSchedules, () => undefined);
    void listBatches(null, 200).then(found => setBatches(found.batches), () => undefined);
  }, []);
  useEffect(() => {
    // The notebook filter offers every notebook seen so far (deleted ones too: their runs stay).
    const seen = (page?.runs ?? []).map(run => run.path ?? run.notebook);
    setNotebooks(current => [...new Set([...current, ...seen])].sort());
  }, [page]);
  const set = (change: Partial<RunFilters>) => {
    setFilters(current => ({ ...current, ...change }));
    setOffset(0);
  };
  useEffect(() => {
    // The search is sent once typing pauses, not at every key; an unchanged search keeps the page (a timer
    // on opening would otherwise send someone who pressed Next at once back to the first page).
    if (search === filters.search) {
      return;
    }
    const timer = window.setTimeout(() => set({ search }), 250);
    return () => window.clearTimeout(timer);
  }, [search, filters.search]);
  const fixed = props.fixed ?? {};
  const total = page?.total ?? 0;
  const runs = page?.runs ?? [];
  const shown = page?.offset ?? 0;
  const loading = page === null || shown !== offset;
  return (
    <div className="jp-mlops-dashboard-runs">
      <div className="jp-mlops-filters">
        <label className="jp-mlops-filter jp-mlops-search">
          <span>Search</span>
          <input
            type="search"
            className="jp-mlops-input"
            aria-label="Search runs"
            placeholder="run id, notebook, error, parameter…"
            value={search}
            onChange={event => setSearch(event.target.value)}
          />
        </label>
        {fixed.notebook === undefined && (
          <Filter
            label="Notebook"
            value={filters.notebook}
            options={notebooks.map(path => ({ value: path, label: path }))}
            onChange={notebook => set({ notebook })}
          />
        )}
        <Filter
          label="Status"
          value={filters.status}
          options={STATUSES.map(status => ({ value: status, label: status }))}
          onChange={status => set({ status: status as RunStatus | null })}
        />
        <Filter
          label="Trigger"
          value={filters.trigger}
          options={TRIGGERS.map(trigger => ({ value: trigger, label: trigger }))}
          onChange={trigger => set({ trigger: trigger as RunTrigger | null })}
        />
        {fixed.schedule_id === undefined && (
          <Filter
            label="Schedule"
            value={filters.schedule_id}
            options={schedules.map(schedule => ({ value: schedule.id, label: schedule.name }))}
            onChange={schedule_id => set({ schedule_id })}
          />
        )}
        <Filter
          label="Batch"
          value={filters.batch_id}
          options={batches.map(batch => ({
            value: batch.id,
            label: `${batch.id.slice(0, 15)} · ${(batch.path ?? batch.notebook).split('/').pop()}`
          }))}
          onChange={batch_id => set({ batch_id })}
        />
        {selected.length === 2 && (
          <button
            className="jp-mlops-button jp-mod-styled jp-mod-accept"
            data-action="compare"
            onClick={() => props.navigate({ kind: 'compare', a: selected[0], b: selected[1] })}
          >
            Compare the two runs
          </button>
        )}
      </div>
      {error && <div className="jp-mlops-error">{error}</div>}
      <table className="jp-mlops-table jp-mlops-runs-table" aria-label="Runs">
        <thead>
          <tr>
            <th aria-label="Select to compare" />
            <th>Status</th>
            <th>Run</th>
            <th>Notebook</th>
            <th>Trigger</th>
            <th>Created</th>
            <th>Duration</th>
            <th>Steps</th>
          </tr>
        </thead>
        <tbody>
          {runs.map(run => (
            <tr key={run.id} data-run={run.id} data-status={run.status}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select run ${run.id} to compare`}
                  checked={selected.includes(run.id)}
                  onChange={event =>
                    setSelected(current =>
                      event.target.checked
                        ? [...current.filter(id => id !== run.id), run.id].slice(-2)
                        : current.filter(id => id !== run.id)
                    )
                  }
                />
              </td>
              <td>
                <span className={`jp-mlops-badge jp-mlops-status-${run.status}`}>{run.status}</span>
              </td>
              <td>
                <button className="jp-mlops-link" onClick={() => props.navigate({ kind: 'run', id: run.id })}>
                  {run.id}
                </button>
              </td>
              <td title={run.notebook}>{run.path ?? run.notebook}</td>
              <td>{run.trigger}</td>
              <td title={run.created_at}>{formatRelative(run.created_at, now)}</td>
              <td>{formatDuration(elapsed(run, now))}</td>
              <td>
                {run.steps.map(step => (
                  <span
                    key={step.name}
                    className={`jp-mlops-chip jp-mlops-status-${step.status}`}
                    title={`${step.name}: ${step.status}`}
                  >
                    {step.name}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page !== null && runs.length === 0 && <div className="jp-mlops-hint">No run matches.</div>}
      <div className="jp-mlops-pager">
        <button
          className="jp-mlops-button jp-mod-styled"
          data-action="previous"
          disabled={loading || shown === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          Previous
        </button>
        <span className="jp-mlops-pager-text">
          {total === 0 ? '0 runs' : `${shown + 1}–${shown + runs.length} of ${total}`}
        </span>
        <button
          className="jp-mlops-button jp-mod-styled"
          data-action="next"
          disabled={loading || shown + PAGE_SIZE >= total}
          onClick={() => setOffset(offset + PAGE_SIZE)}
        >
          Next
        </button>
      </div>
    </div>
  );
}

function Values(props: { title: string; values: Record<string, unknown>; empty: string }): JSX.Element {
  const entries = Object.entries(props.values);
  return (
    <section className="jp-mlops-card" data-section={props.title.toLowerCase()}>
      <h3 className="jp-mlops-heading">{props.title}</h3>
      {entries.length === 0 ? (
        <div className="jp-mlops-hint">{props.empty}</div>
      ) : (
        <table className="jp-mlops-parameters-table">
          <tbody>
            {entries.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{JSON.stringify(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Timeline({ run, now }: { run: Run; now: Date }): JSX.Element {
  const { bars, span } = timeline(run, now);
  return (
    <section className="jp-mlops-card jp-mlops-timeline" aria-label="Timeline">
      <h3 className="jp-mlops-heading">
        Timeline <span className="jp-mlops-hint">{span > 0 ? formatDuration(span) : 'not started'}</span>
      </h3>
      {bars.map(bar => {
        const step = run.steps.find(other => other.name === bar.name)!;
        return (
          <div key={bar.name} className="jp-mlops-timeline-row" data-step={bar.name} data-status={bar.status}>
            <span className="jp-mlops-timeline-name">{bar.name}</span>
            <div className="jp-mlops-timeline-track">
              {bar.left !== null && (
                <div
                  className={`jp-mlops-timeline-bar jp-mlops-status-${bar.status}`}
                  style={{ left: `${bar.left * 100}%`, width: `max(${bar.width! * 100}%, 3px)` }}
                  title={`${bar.name}: ${bar.status}${step.started_at ? `, from ${new Date(step.started_at).toLocaleTimeString()}` : ''}${step.ended_at ? ` to ${new Date(step.ended_at).toLocaleTimeString()}` : ''}`}
                />
              )}
            </div>
            <span className="jp-mlops-timeline-detail">
              {bar.status}
              {bar.duration !== null ? ` · ${formatDuration(bar.duration)}` : ''}
              {bar.attempts > 1 ? ` · ${bar.attempts} attempts` : ''}
            </span>
            {step.error && <div className="jp-mlops-error jp-mlops-timeline-error">{step.error}</div>}
          </div>
        );
      })}
    </section>
  );
}

function Lineage({ run }: { run: Run }): JSX.Element {
  const lineage = run.lineage;
  if (!lineage) {
    return (
      <section className="jp-mlops-card" data-section="lineage">
        <h3 className="jp-mlops-heading">Lineage</h3>
        <div className="jp-mlops-hint">Recorded when the run starts.</div>
      </section>
    );
  }
  const files = (title: string, found: Record<string, { sha256: string | null; size: number | null }>) =>
    Object.keys(found).length > 0 && (
      <>
        <dt>{title}</dt>
        <dd>
          {Object.entries(found).map(([name, file]) => (
            <div key={name}>
              {name}: {file.sha256 ? `sha256 ${file.sha256.slice(0, 12)}, ${file.size} bytes` : 'missing'}
            </div>
          ))}
        </dd>
      </>
    );
  const environment = lineage.environment;
  return (
    <section className="jp-mlops-card" data-section="lineage">
      <h3 className="jp-mlops-heading">Lineage</h3>
      <dl className="jp-mlops-lineage">
        <dt>Code</dt>
        <dd>sha256 {lineage.notebook_sha256.slice(0, 12)}</dd>
        {lineage.git && (
          <>
            <dt>Git</dt>
            <dd>
              {lineage.git.commit.slice(0, 10)}
              {lineage.git.dirty ? ' (uncommitted changes)' : ''}
            </dd>
          </>
        )}
        {environment && (
          <>
            <dt>Environment</dt>
            <dd>
              {environment.kind === 'image'
                ? `image ${environment.image ?? environment.id.slice(0, 19)}`
                : `Python ${environment.python ?? ''}`}
            </dd>
          </>
        )}
        {files('Inputs', lineage.inputs)}
        {files('Outputs', lineage.outputs)}
      </dl>
    </section>
  );
}

/** One run: its state, its steps on a timeline, parameters, metrics, lineage and log. */
function RunView(props: { id: string; feed: LiveFeed; commands: CommandRegistry; navigate: Navigate }): JSX.Element {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow();
  useEffect(() => {
    let current = true;
    getRun(props.id).then(
      found => current && setRun(found),
      reason => current && setError((reason as Error).message)
    );
    const onChange = (_: unknown, change: Change) => change.kind === 'run' && change.run.id === props.id && setRun(change.run);
    props.feed.changed.connect(onChange);
    return () => {
      current = false;
      props.feed.changed.disconnect(onChange);
    };
  }, [props.id, props.feed]);
  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (run === null) {
    return <div className="jp-mlops-hint">Loading run {props.id}…</div>;
  }
  const args = { id: run.id };
  return (
    <div className="jp-mlops-run-page" data-run={run.id} data-status={run.status}>
      <div className="jp-mlops-run-page-head">
        <span className={`jp-mlops-badge jp-mlops-status-${run.status}`}>{run.status}</span>
        <span className="jp-mlops-run-page-notebook" title={run.notebook}>
          {run.path ?? run.notebook}
        </span>
        <span className="jp-mlops-hint">
          {run.trigger}
          {run.schedule_id && (
            <>
              {' · '}
              <button
                className="jp-mlops-link"
                onClick={() => props.navigate({ kind: 'schedule', id: run.schedule_id! })}
              >
                its schedule
              </button>
            </>
          )}
          {' · '}
          {run.backend}
          {run.spec.image ? ` · ${run.spec.image}` : ''} · created {formatInstant(run.created_at)} ·{' '}
          {formatDuration(elapsed(run, now))}
        </span>
        <span className="jp-mlops-actions">
          <CommandButton commands={props.commands} command={CommandIDs.openOutput} args={args} icon={launchIcon} text="Output notebook" />
          {isFinished(run) && (
            <CommandButton commands={props.commands} command={CommandIDs.openReport} args={args} text="Report" />
          )}
          <CommandButton commands={props.commands} command={CommandIDs.showLog} args={args} icon={listIcon} text="Log" />
          <CommandButton commands={props.commands} command={CommandIDs.rerun} args={args} icon={refreshIcon} text="Re-run" />
          {!isFinished(run) && (
            <CommandButton commands={props.commands} command={CommandIDs.cancelRun} args={args} icon={stopIcon} text="Cancel" />
          )}
        </span>
      </div>
      {run.error && <div className="jp-mlops-error">{run.error}</div>}
      <Deliveries run={run} now={now} />
      <div className="jp-mlops-cards">
        <Timeline run={run} now={now} />
        <Values title="Parameters" values={run.parameters} empty="The notebook's defaults." />
        <Values title="Metrics" values={run.metrics} empty="Nothing recorded (jupyter_mlops.record)." />
        <Lineage run={run} />
      </div>
      <section className="jp-mlops-card jp-mlops-run-page-log">
        <h3 className="jp-mlops-heading">Log</h3>
        <LogTail runId={run.id} />
      </section>
    </div>
  );
}

/** One schedule: when it fires next, the version it runs, its settings, and its runs. */
function ScheduleView(props: { id: string; feed: LiveFeed; commands: CommandRegistry; navigate: Navigate }): JSX.Element {
  const { schedules } = useSchedules(props.feed);
  const [loaded, setLoaded] = useState<Schedule | null>(null);
  const [next, setNext] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const schedule = schedules.find(other => other.id === props.id) ?? loaded;
  useEffect(() => {
    getSchedule(props.id).then(setLoaded, reason => setError((reason as Error).message));
  }, [props.id]);
  useEffect(() => {
    if (schedule && !schedule.paused) {
      previewCron(schedule.cron, schedule.timezone).then(preview => setNext(preview.next), () => setNext([]));
    } else {
      setNext([]);
    }
  }, [schedule?.cron, schedule?.timezone, schedule?.paused]);
  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (!schedule) {
    return <div className="jp-mlops-hint">Loading schedule…</div>;
  }
  const args = { id: schedule.id };
  return (
    <div className="jp-mlops-schedule-page" data-schedule={schedule.id}>
      <div className="jp-mlops-run-page-head">
        <span className="jp-mlops-schedule-name">{schedule.name}</span>
        {schedule.paused && <span className="jp-mlops-badge jp-mlops-status-paused">paused</span>}
        <span className="jp-mlops-hint">
          {schedule.path ?? schedule.notebook} · {schedule.description || schedule.cron} ({schedule.timezone}) ·{' '}
          {schedule.backend}
        </span>
        <span className="jp-mlops-actions">
          <CommandButton commands={props.commands} command={CommandIDs.runScheduleNow} args={args} text="Run now" />
          <CommandButton commands={props.commands} command={CommandIDs.editSchedule} args={args} text="Edit…" />
          <CommandButton
            commands={props.commands}
            command={schedule.paused ? CommandIDs.resumeSchedule : CommandIDs.pauseSchedule}
            args={args}
            text={schedule.paused ? 'Resume' : 'Pause'}
          />
        </span>
      </div>
      <div className="jp-mlops-cards">
        <section className="jp-mlops-card" data-section="next fires">
          <h3 className="jp-mlops-heading">Next fires</h3>
          {next.length === 0 ? (
            <div className="jp-mlops-hint">Paused: no next fire.</div>
          ) : (
            <ol className="jp-mlops-next-fires">
              {next.map(fire => (
                <li key={fire}>{formatInstant(fire, schedule.timezone)}</li>
              ))}
            </ol>
          )}
        </section>
        <section className="jp-mlops-card" data-section="version">
          <h3 className="jp-mlops-heading">Notebook version</h3>
          <VersionLine schedule={schedule} commands={props.commands} />
        </section>
        <Values title="Parameters" values={schedule.parameters} empty="The notebook's defaults." />
        <section className="jp-mlops-card jp-mlops-wide" data-section="metric history">
          <h3 className="jp-mlops-heading">Metric history</h3>
          <HistoryChart scheduleId={schedule.id} version={schedule.last_run_id ?? ''} commands={props.commands} />
        </section>
      </div>
      <h3 className="jp-mlops-heading">Its runs</h3>
      <RunsTable feed={props.feed} navigate={props.navigate} fixed={{ schedule_id: schedule.id }} />
    </div>
  );
}

function SchedulesTable(props: { feed: LiveFeed; navigate: Navigate }): JSX.Element {
  const { schedules, error } = useSchedules(props.feed);
  const now = useNow(10_000);
  return (
    <div>
      {error && <div className="jp-mlops-error">{error}</div>}
      {schedules.length === 0 && !error && <div className="jp-mlops-hint">No schedules yet.</div>}
      <table className="jp-mlops-table" aria-label="Schedules">
        <thead>
          <tr>
            <th>Schedule</th>
            <th>Notebook</th>
            <th>When</th>
            <th>Next fire</th>
            <th>Version</th>
            <th>Last run</th>
          </tr>
        </thead>
        <tbody>
          {schedules.map(schedule => (
            <tr key={schedule.id} data-schedule={schedule.id}>
              <td>
                <button className="jp-mlops-link" onClick={() => props.navigate({ kind: 'schedule', id: schedule.id })}>
                  {schedule.name}
                </button>
              </td>
              <td>{schedule.path ?? schedule.notebook}</td>
              <td>
                {schedule.description || schedule.cron} ({schedule.timezone})
              </td>
              <td>
                {schedule.paused || !schedule.next_fire_at
                  ? 'paused'
                  : `${formatInstant(schedule.next_fire_at, schedule.timezone)} (${formatRelative(schedule.next_fire_at, now)})`}
              </td>
              <td title={schedule.drift?.summary}>
                {schedule.follow_file || !schedule.version
                  ? 'follows the file'
                  : `${schedule.version.sha256.slice(0, 8)}${schedule.drift?.differs ? ' · file changed' : ''}`}
              </td>
              <td>
                {schedule.last_run_status && schedule.last_run_id ? (
                  <button className="jp-mlops-link" onClick={() => props.navigate({ kind: 'run', id: schedule.last_run_id! })}>
                    <span className={`jp-mlops-badge jp-mlops-status-${schedule.last_run_status}`}>
                      {schedule.last_run_status}
                    </span>
                  </button>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const SECTIONS = [
  { kind: 'runs', label: 'Runs' },
  { kind: 'schedules', label: 'Schedules' },
  { kind: 'batches', label: 'Batches' }
] as const;

const sectionOf = (page: DashboardPage): 'runs' | 'schedules' | 'batches' =>
  page.kind === 'schedule' || page.kind === 'schedules' ? 'schedules' : page.kind === 'batches' ? 'batches' : 'runs';

/** The MLOps dashboard: every notebook's runs, schedules and batches, in the main area. */
export function Dashboard(props: {
  feed: LiveFeed;
  commands: CommandRegistry;
  page: DashboardPage;
  navigate: Navigate;
}): JSX.Element {
  const { page, navigate } = props;
  const [openBatch, setOpenBatch] = useState<string | null>(null);
  const section = sectionOf(page);
  const title =
    page.kind === 'run'
      ? `Run ${page.id}`
      : page.kind === 'compare'
        ? `Run ${page.a} against ${page.b}`
        : page.kind === 'schedule'
          ? 'Schedule'
          : null;
  return (
    <div className="jp-mlops-dashboard" data-page={page.kind}>
      <div className="jp-mlops-dashboard-bar">
        <h2 className="jp-mlops-title">MLOps</h2>
        <div className="jp-mlops-tabs" role="tablist">
          {SECTIONS.map(item => (
            <button
              key={item.kind}
              role="tab"
              data-tab={item.kind}
              aria-selected={section === item.kind && title === null}
              className={`jp-mlops-tab${section === item.kind ? ' jp-mod-current' : ''}`}
              onClick={() => navigate({ kind: item.kind })}
            >
              {item.label}
            </button>
          ))}
        </div>
        {title && (
          <span className="jp-mlops-crumb">
            <button className="jp-mlops-link" onClick={() => navigate({ kind: section })}>
              {section}
            </button>{' '}
            › {title}
          </span>
        )}
      </div>
      <div className="jp-mlops-dashboard-body">
        {page.kind === 'runs' && <RunsTable feed={props.feed} navigate={navigate} />}
        {page.kind === 'run' && <RunView key={page.id} id={page.id} feed={props.feed} commands={props.commands} navigate={navigate} />}
        {page.kind === 'compare' && <CompareView key={`${page.a}:${page.b}`} a={page.a} b={page.b} />}
        {page.kind === 'schedules' && <SchedulesTable feed={props.feed} navigate={navigate} />}
        {page.kind === 'schedule' && (
          <ScheduleView key={page.id} id={page.id} feed={props.feed} commands={props.commands} navigate={navigate} />
        )}
        {page.kind === 'batches' && (
          <BatchesView feed={props.feed} path={null} commands={props.commands} openBatch={openBatch} onOpen={setOpenBatch} />
        )}
      </div>
    </div>
  );
}
