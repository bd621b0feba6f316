/**
 * React hooks that follow JupyterLab state: the active notebook, its pipeline as it is edited,
 * and the live lists of runs and schedules.
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { useCallback, useEffect, useState } from 'react';

import { listRuns, listSchedules, pipelineOf } from './api';
import { Change, LiveFeed } from './feed';
import { PipelineReport, Run, Schedule } from './types';

/** Pipeline edits are re-parsed on the server this long after the last keystroke. */
const PIPELINE_DEBOUNCE_MS = 400;

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

/** Runs of one notebook (or all when `path` is null), newest first, kept current by the live feed. */
export function useRuns(feed: LiveFeed, path: string | null): { runs: Run[]; error: string | null } {
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    listRuns(path)
      .then(page => {
        setRuns(page.runs);
        setError(null);
      })
      .catch(reason => setError((reason as Error).message));
  }, [path]);
  useEffect(() => {
    reload();
    const onChange = (_: unknown, change: Change) => {
      if (change.kind === 'ready') {
        reload();
      } else if (change.kind === 'run' && (path === null || change.run.path === path)) {
        const run = change.run;
        setRuns(current =>
          [run, ...current.filter(other => other.id !== run.id)].sort((a, b) =>
            b.created_at.localeCompare(a.created_at)
          )
        );
      }
    };
    feed.changed.connect(onChange);
    return () => {
      feed.changed.disconnect(onChange);
    };
  }, [feed, path, reload]);
  return { runs, error };
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
