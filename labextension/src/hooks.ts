/**
 * React hooks that follow JupyterLab state: the active notebook, its pipeline as it is edited,
 * and the live lists of runs, batches and schedules.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { DependencyList, useCallback, useEffect, useState } from 'react';

import { batchResults, listBatches, listRuns, listSchedules, pipelineOf } from './api';
import { Change, LiveFeed } from './feed';
import { Batch, BatchResults, PipelineReport, Run, Schedule } from './types';

/** Pipeline edits are re-parsed on the server this long after the last keystroke. */
const PIPELINE_DEBOUNCE_MS = 400;
/** A batch's results are re-read this long after the last change to one of its runs. */
const RESULTS_DEBOUNCE_MS = 300;

/** The tracker's current notebook (the last one that had focus) and its path, followed through renames. */
export function useActiveNotebook(tracker: INotebookTracker): {
  panel: NotebookPanel | null;
  path: string | null;
} {
  const [panel, setPanel] = useState<NotebookPanel | null>(tracker.currentWidget);
  const [path, setPath] = useState<string | null>(tracker.currentWidget?.context.path ?? null);
  useEffect(() => {
    let context: NotebookPanel['context'] | null = null;
    const onRenamed = (_: unknown, newPath: string) => setPath(newPath);
    const onCurrentChanged = (_: unknown, current: NotebookPanel | null) => {
      context?.pathChanged.disconnect(onRenamed);
      context = current?.context ?? null;
      context?.pathChanged.connect(onRenamed);
      setPanel(current);
      setPath(context?.path ?? null);
    };
    onCurrentChanged(tracker, tracker.currentWidget);
    tracker.currentChanged.connect(onCurrentChanged);
    return () => {
      tracker.currentChanged.disconnect(onCurrentChanged);
      context?.pathChanged.disconnect(onRenamed);
    };
  }, [tracker]);
  return { panel, path };
}

/** The pipeline of the notebook's current content (saved or not), re-read shortly after each edit. */
export function usePipeline(panel: NotebookPanel | null): {
  report: PipelineReport | null;
  error: string | null;
} {
  const [report, setReport] = useState<PipelineReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setReport(null);
    setError(null);
    if (panel === null) {
      return;
    }
    let timer: number | undefined;
    let latest = 0;
    const refresh = async () => {
      const model = panel.context.model;
      const asked = ++latest;
      try {
        const next = await pipelineOf(model.toJSON());
        if (asked === latest) {
          setReport(next);
          setError(null);
        }
      } catch (reason) {
        if (asked === latest) {
          setError((reason as Error).message);
        }
      }
    };
    const schedule = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, PIPELINE_DEBOUNCE_MS);
    };
    void panel.context.ready.then(refresh);
    panel.context.model.contentChanged.connect(schedule);
    return () => {
      window.clearTimeout(timer);
      latest++; // answers still on their way are for a notebook no longer shown
      panel.context.model.contentChanged.disconnect(schedule);
    };
  }, [panel]);
  return { report, error };
}

/**
 * A list of records, newest first, loaded by `load` and kept current by the live feed: a record
 * that `changed` picks out of a change replaces its old version (or is added).
 */
function useLiveList<T extends { id: string; created_at: string }>(
  feed: LiveFeed,
  load: () => Promise<T[]>,
  changed: (change: Change) => T | null
): { items: T[]; error: string | null } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true; // answers for a list no longer shown (e.g. another notebook) are dropped
    const reload = () =>
      load().then(
        list => {
          if (current) {
            setItems(list);
            setError(null);
          }
        },
        reason => current && setError((reason as Error).message)
      );
    reload();
    const onChange = (_: unknown, change: Change) => {
      const item = change.kind === 'ready' ? null : changed(change);
      if (change.kind === 'ready') {
        reload();
      } else if (item !== null) {
        setItems(list =>
          [item, ...list.filter(other => other.id !== item.id)].sort((a, b) => b.created_at.localeCompare(a.created_at))
        );
      }
    };
    feed.changed.connect(onChange);
    return () => {
      current = false;
      feed.changed.disconnect(onChange);
    };
  }, [feed, load, changed]);
  return { items, error };
}

/** Runs of one notebook (or all when `path` is null), newest first, kept current by the live feed. */
export function useRuns(feed: LiveFeed, path: string | null): { runs: Run[]; error: string | null } {
  const load = useCallback(() => listRuns(path).then(page => page.runs), [path]);
  const changed = useCallback(
    (change: Change) => (change.kind === 'run' && (path === null || change.run.path === path) ? change.run : null),
    [path]
  );
  const { items, error } = useLiveList(feed, load, changed);
  return { runs: items, error };
}

/** Batches of one notebook (or all when `path` is null), newest first, kept current by the live feed. */
export function useBatches(feed: LiveFeed, path: string | null): { batches: Batch[]; error: string | null } {
  const load = useCallback(() => listBatches(path).then(page => page.batches), [path]);
  const changed = useCallback(
    (change: Change) =>
      change.kind === 'batch' && (path === null || change.batch.path === path) ? change.batch : null,
    [path]
  );
  const { items, error } = useLiveList(feed, load, changed);
  return { batches: items, error };
}

/**
 * What `query` answers, re-read when a change `concerns` it (or the feed reconnects). Changes come in
 * bursts (a batch finishes many runs): one read `debounceMs` after the last, not one per change. Only the
 * latest answer is shown: one still on its way when another was asked for, or when `deps` change, is dropped.
 * `query` and `concerns` are read afresh whenever `feed` or one of `deps` (all they depend on) changes.
 */
export function useLiveQuery<T>(
  feed: LiveFeed,
  query: () => Promise<T>,
  concerns: (change: Change) => boolean,
  debounceMs: number,
  deps: DependencyList
): { value: T | null; error: string | null } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let latest = 0;
    let timer: number | undefined;
    const reload = () => {
      const asked = ++latest;
      query().then(
        next => {
          if (asked === latest) {
            setValue(next);
            setError(null);
          }
        },
        reason => asked === latest && setError((reason as Error).message)
      );
    };
    reload();
    const onChange = (_: unknown, change: Change) => {
      if (change.kind === 'ready' || concerns(change)) {
        window.clearTimeout(timer);
        timer = window.setTimeout(reload, debounceMs);
      }
    };
    feed.changed.connect(onChange);
    return () => {
      latest++;
      window.clearTimeout(timer);
      feed.changed.disconnect(onChange);
    };
  }, [feed, debounceMs, ...deps]);
  return { value, error };
}

/** A batch's results table, sorted as asked, re-read shortly after any of its runs changes. */
export function useBatchResults(
  feed: LiveFeed,
  batchId: string,
  sort: string | null,
  descending: boolean
): { results: BatchResults | null; error: string | null } {
  const { value, error } = useLiveQuery(
    feed,
    () => batchResults(batchId, sort, descending),
    change =>
      (change.kind === 'run' && change.run.batch_id === batchId) ||
      (change.kind === 'batch' && change.batch.id === batchId),
    RESULTS_DEBOUNCE_MS,
    [batchId, sort, descending]
  );
  return { results: value, error };
}

/** Every schedule, kept current by the live feed. */
export function useSchedules(feed: LiveFeed): { schedules: Schedule[]; error: string | null } {
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const reload = () =>
      listSchedules()
        .then(list => {
          setSchedules(list);
          setError(null);
        })
        .catch(reason => setError((reason as Error).message));
    reload();
    const onChange = (_: unknown, change: Change) => {
      if (change.kind === 'ready') {
        reload();
      } else if (change.kind === 'schedule') {
        const schedule = change.schedule;
        setSchedules(current => {
          const index = current.findIndex(other => other.id === schedule.id);
          return index < 0
            ? [...current, schedule]
            : current.map(other => (other.id === schedule.id ? schedule : other));
        });
      } else if (change.kind === 'schedule-removed') {
        setSchedules(current => current.filter(other => other.id !== change.id));
      }
    };
    feed.changed.connect(onChange);
    return () => {
      feed.changed.disconnect(onChange);
    };
  }, [feed]);
  return { schedules, error };
}

/** The current time, ticking every `ms` so relative times and running durations stay true. */
export function useNow(ms = 1000): Date {
  const [now, setNow] = useState(new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** The latest run of a notebook (by creation), followed live; null before its first run. */
export function useLatestRun(feed: LiveFeed, path: string | null): Run | null {
  const [run, setRun] = useState<Run | null>(null);
  useEffect(() => {
    setRun(null);
    if (path === null) {
      return;
    }
    let current = true;
    const reload = () =>
      listRuns(path, 1).then(
        page => current && setRun(page.runs[0] ?? null),
        () => undefined // the list shows errors; the drawing then keeps what it had
      );
    reload();
    const onChange = (_: unknown, change: Change) => {
      if (change.kind === 'ready') {
        reload();
      } else if (change.kind === 'run' && change.run.path === path) {
        const changed = change.run;
        setRun(latest => (latest === null || changed.created_at >= latest.created_at ? changed : latest));
      }
    };
    feed.changed.connect(onChange);
    return () => {
      current = false;
      feed.changed.disconnect(onChange);
    };
  }, [feed, path]);
  return run;
}
