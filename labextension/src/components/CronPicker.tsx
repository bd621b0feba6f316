import { HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { previewCron } from '../api';
import { CUSTOM, cronShapeProblem, presetOf, PRESETS } from '../cron';
import { formatInstant } from '../format';

/** How long after the last keystroke the server is asked for the preview. */
const PREVIEW_DEBOUNCE_MS = 300;

export interface CronPreviewState {
  description: string | null;
  next: string[];
  error: string | null;
}

/** The cron in words and its next three fire times, from the server; nothing when `cron` is null. */
export function useCronPreview(cron: string | null, timezone: string): CronPreviewState {
  const [state, setState] = useState<CronPreviewState>({ description: null, next: [], error: null });
  useEffect(() => {
    if (cron === null) {
      return;
    }
    const shape = cronShapeProblem(cron);
    if (shape) {
      setState({ description: null, next: [], error: shape });
      return;
    }
    let current = true;
    const timer = window.setTimeout(() => {
      previewCron(cron, timezone)
        .then(preview => current && setState({ ...preview, error: null }))
        .catch(reason => current && setState({ description: null, next: [], error: (reason as Error).message }));
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [cron, timezone]);
  return state;
}

/** Every IANA zone the browser knows, the reader's own included. */
function timezones(own: string): string[] {
  const known: string[] = (Intl as any).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set(['UTC', own, ...known])];
}

export function CronPicker(props: {
  cron: string;
  timezone: string;
  preview: CronPreviewState;
  onChange: (changes: { cron?: string; timezone?: string }) => void;
}): JSX.Element {
  const preset = presetOf(props.cron);
  const [custom, setCustom] = useState(preset === CUSTOM);
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <fieldset className="jp-mlops-fieldset jp-mlops-cron">
      <legend>When</legend>
      <div className="jp-mlops-segmented" role="radiogroup" aria-label="Cron preset">
        {PRESETS.map(choice => (
          <label key={choice.id}>
            <input
              type="radio"
              name="jp-mlops-preset"
              value={choice.id}
              checked={!custom && preset === choice.id}
              onChange={() => {
                setCustom(false);
                props.onChange({ cron: choice.cron });
              }}
            />
            <span>{choice.label}</span>
          </label>
        ))}
        <label>
          <input
            type="radio"
            name="jp-mlops-preset"
            value={CUSTOM}
            checked={custom || preset === CUSTOM}
            onChange={() => setCustom(true)}
          />
          <span>Custom</span>
        </label>
      </div>
      {(custom || preset === CUSTOM) && (
        <label className="jp-mlops-field">
          <span>Cron (minute hour day month weekday)</span>
          <InputGroup
            aria-label="Cron"
            value={props.cron}
            onChange={event => props.onChange({ cron: (event.target as HTMLInputElement).value })}
          />
        </label>
      )}
      <label className="jp-mlops-field">
        <span>Timezone</span>
        <HTMLSelect
          aria-label="Timezone"
          value={props.timezone}
          onChange={event => props.onChange({ timezone: event.target.value })}
        >
          {timezones(own).map(zone => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </HTMLSelect>
      </label>
      <div className="jp-mlops-cron-preview" aria-live="polite">
        {props.preview.error ? (
          <div className="jp-mlops-field-error">{props.preview.error}</div>
        ) : (
          <>
            <div className="jp-mlops-cron-words">{props.preview.description ?? '…'}</div>
            <ol className="jp-mlops-next-fires" aria-label="Next fire times">
              {props.preview.next.map(instant => (
                <li key={instant}>{formatInstant(instant, props.timezone)}</li>
              ))}
            </ol>
          </>
        )}
      </div>
    </fieldset>
  );
}
