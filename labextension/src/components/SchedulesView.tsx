import { deleteIcon, editIcon, pauseIcon, runIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { scheduleDiff } from '../api';
import { CommandIDs } from '../commandIds';
import { LiveFeed } from '../feed';
import { formatInstant, formatRelative } from '../format';
import { useNow, useSchedules } from '../hooks';
import { Schedule } from '../types';
import { CommandButton } from './CommandButton';
import { HistoryChart } from './HistoryChart';

/** Which notebook the fires run: the pinned version and how the file differs (nbdime), or the file. */
export function VersionLine(props: { schedule: Schedule; commands: CommandRegistry }): JSX.Element | null {
  const { schedule } = props;
  const [diff, setDiff] = useState<string | null>(null);
  if (schedule.follow_file) {
    return <div className="jp-mlops-version">Follows the notebook file: each fire runs it as it is then</div>;
  }
  if (!schedule.version) {
    return null;
  }
  const version = schedule.version;
  const drifted = schedule.drift?.differs ?? false;
  const toggleDiff = async () => {
    try {
      setDiff(diff === null ? await scheduleDiff(schedule.id) : null);
    } catch (error) {
      setDiff(String((error as Error).message ?? error));
    }
  };
  return (
    <div className="jp-mlops-version" data-drifted={drifted}>
      Pinned {version.sha256.slice(0, 12)}
      {version.git_commit ? ` (git ${version.git_commit.slice(0, 8)}${version.git_dirty ? ', dirty' : ''})` : ''}
      {drifted ? (
        <>
          <div className="jp-mlops-drift">The file differs: {schedule.drift!.summary}</div>
          <CommandButton
            commands={props.commands}
            command={CommandIDs.pinSchedule}
            args={{ id: schedule.id }}
            text="Update to the current notebook"
            minimal
          />
          <button className="jp-mlops-link" onClick={toggleDiff}>
            {diff === null ? 'Show diff' : 'Hide diff'}
          </button>
          {diff !== null && <pre className="jp-mlops-diff">{diff}</pre>}
        </>
      ) : (
        ' · the file is this version'
      )}
    </div>
  );
}

function ScheduleRow(props: { schedule: Schedule; now: Date; commands: CommandRegistry }): JSX.Element {
  const { schedule, commands } = props;
  const args = { id: schedule.id };
  const [showMetrics, setShowMetrics] = useState(false);
  return (
    <li className="jp-mlops-schedule" data-schedule={schedule.id} data-paused={schedule.paused}>
      <div className="jp-mlops-run-head">
        <span className="jp-mlops-schedule-name">{schedule.name}</span>
        {schedule.paused && <span className="jp-mlops-badge jp-mlops-status-paused">paused</span>}
        {schedule.last_run_status && (
          <span className={`jp-mlops-badge jp-mlops-status-${schedule.last_run_status}`} title="Last run">
            {schedule.last_run_status}
          </span>
        )}
      </div>
      <div className="jp-mlops-run-meta">
        {schedule.description || schedule.cron} ({schedule.timezone}) · {schedule.backend}
        {schedule.image ? ` · ${schedule.image}` : ''}
        {schedule.kernel_name ? ` · kernel ${schedule.kernel_name}` : ''}
      </div>
      <VersionLine schedule={schedule} commands={commands} />
      <div className="jp-mlops-next-fire">
        {schedule.next_fire_at
          ? `Next: ${formatInstant(schedule.next_fire_at, schedule.timezone)} (${formatRelative(schedule.next_fire_at, props.now)})`
          : 'Paused: no next fire'}
      </div>
      <div className="jp-mlops-actions">
        {schedule.paused ? (
          <CommandButton commands={commands} command={CommandIDs.resumeSchedule} args={args} icon={runIcon} minimal />
        ) : (
          <CommandButton commands={commands} command={CommandIDs.pauseSchedule} args={args} icon={pauseIcon} minimal />
        )}
        <CommandButton commands={commands} command={CommandIDs.runScheduleNow} args={args} text="Run now" minimal />
        <CommandButton commands={commands} command={CommandIDs.editSchedule} args={args} icon={editIcon} minimal />
        <CommandButton commands={commands} command={CommandIDs.deleteSchedule} args={args} icon={deleteIcon} minimal />
        <button
          className="jp-mlops-link-button"
          aria-expanded={showMetrics}
          onClick={() => setShowMetrics(!showMetrics)}
        >
          Metrics
        </button>
      </div>
      {showMetrics && (
        <HistoryChart scheduleId={schedule.id} version={schedule.last_run_id ?? ''} commands={commands} />
      )}
    </li>
  );
}

/** Every schedule, live: next fire, last status and their actions. */
export function SchedulesView(props: { feed: LiveFeed; commands: CommandRegistry }): JSX.Element {
  const { schedules, error } = useSchedules(props.feed);
  const now = useNow(30_000);
  return (
    <div className="jp-mlops-schedules">
      {error && <div className="jp-mlops-error">{error}</div>}
      {schedules.length === 0 && !error && <div className="jp-mlops-hint">No schedules yet.</div>}
      <ul className="jp-mlops-schedule-list" aria-label="Schedules">
        {schedules.map(schedule => (
          <ScheduleRow key={schedule.id} schedule={schedule} now={now} commands={props.commands} />
        ))}
      </ul>
    </div>
  );
}
