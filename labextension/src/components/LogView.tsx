import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { getRun, readLog } from '../api';
import { isFinished, shortRunId } from '../format';
import { mlopsIcon } from '../icon';
import { Run } from '../types';

/** While a run runs its log is re-read this often (the events stream carries statuses, not log lines). */
const TAIL_MS = 1000;

/** A run's log, followed live (appending from the last offset) until the run ends. */
export function LogTail({ runId }: { runId: string }): JSX.Element {
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Run['status'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let offset = 0;
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      try {
        // Status first: once it says finished, this last read has the whole log.
        const run = await getRun(runId);
        const chunk = await readLog(runId, offset);
        offset = chunk.next_offset;
        if (chunk.text) {
          setText(current => current + chunk.text);
        }
        setStatus(run.status);
        setError(null);
        if (isFinished(run)) {
          return;
        }
      } catch (reason) {
        setError((reason as Error).message);
      }
      if (!stopped) {
        timer = window.setTimeout(tick, TAIL_MS);
      }
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [runId]);
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [text]);
  return (
    <div className="jp-mlops-log">
      <div className="jp-mlops-log-status">
        Run {runId} · {status ?? '…'}
        {status === 'running' || status === 'queued' ? ' · following' : ''}
      </div>
      {error && <div className="jp-mlops-field-error">{error}</div>}
      <pre className="jp-mlops-log-text">{text}</pre>
      <div ref={end} />
    </div>
  );
}

export function logWidget(run: Run): MainAreaWidget {
  const content = ReactWidget.create(<LogTail runId={run.id} />);
  content.addClass('jp-mlops-log-widget');
  const widget = new MainAreaWidget({ content });
  widget.title.label = `Log · run ${shortRunId(run.id)}`;
  widget.title.caption = `Log of run ${run.id}`;
  widget.title.icon = mlopsIcon;
  return widget;
}
