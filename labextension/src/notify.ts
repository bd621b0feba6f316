/**
 * The dialog's "Tell" fields as the API's `notify` (notify/model.py Notify), checked as the server
 * checks them. Pure: no JupyterLab imports, so jest tests it directly.
 */
import { Notify, NotifyEvent } from './types';

export interface NotifyDraft {
  /** Comma- or space-separated addresses. */
  emails: string;
  slackSecret: string;
  webhook: string;
  events: NotifyEvent[];
  /** Seconds, as typed; '' for none. */
  slowAfter: string;
  /** One alert expression a line. */
  alerts: string;
}

export const EMPTY_NOTIFY: NotifyDraft = {
  emails: '',
  slackSecret: '',
  webhook: '',
  events: ['failure'],
  slowAfter: '',
  alerts: ''
};

const ADDRESS = /^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+$/;
const SECRET = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const ALERT =
  /^\s*[A-Za-z_][\w.\-/]*\s*((<=|>=|==|!=|<|>)\s*|\s+changes\s+by\s+(more\s+than\s+)?)[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/i;

const split = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map(part => part.trim())
    .filter(part => part.length > 0);

/** The `notify` to send (null: no channel given), or the problems, by field. */
export function notifyOf(draft: NotifyDraft): { notify: Notify | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const email = split(draft.emails, /[\s,;]+/);
  const wrong = email.filter(address => !ADDRESS.test(address));
  if (wrong.length > 0) {
    errors.emails = `Not an email address: ${wrong.join(', ')}`;
  }
  const slack = draft.slackSecret.trim();
  if (slack && !SECRET.test(slack)) {
    errors.slackSecret = 'The name of a secret (letters, digits, _ . -), never the URL itself';
  }
  const webhook = draft.webhook.trim();
  if (webhook && !/^https?:\/\//.test(webhook)) {
    errors.webhook = 'An http:// or https:// URL';
  }
  const alerts = split(draft.alerts, /\n/);
  const badAlerts = alerts.filter(alert => !ALERT.test(alert));
  if (badAlerts.length > 0) {
    errors.alerts = `Write "accuracy < 0.8" or "accuracy changes by 0.05": ${badAlerts.join('; ')}`;
  }
  let slowAfter: number | null = null;
  if (draft.slowAfter.trim()) {
    slowAfter = Number(draft.slowAfter);
    if (!(slowAfter > 0)) {
      errors.slowAfter = 'Seconds, more than 0';
    }
  }
  const events = draft.events.filter(event => (event !== 'slow' || slowAfter) && (event !== 'alert' || alerts.length));
  if (draft.events.includes('slow') && slowAfter === null) {
    errors.slowAfter = 'How many seconds make a run slow?';
  }
  if (draft.events.includes('alert') && alerts.length === 0) {
    errors.alerts = 'At least one alert, e.g. accuracy < 0.8';
  }
  if (!email.length && !slack && !webhook) {
    return { notify: null, errors };
  }
  return {
    notify: { email, slack_secret: slack || null, webhook: webhook || null, events, slow_after: slowAfter, alerts },
    errors
  };
}

/** The dialog's fields for an existing schedule's `notify`. */
export function draftOf(notify: Notify | null | undefined): NotifyDraft {
  if (!notify) {
    return EMPTY_NOTIFY;
  }
  return {
    emails: notify.email.join(', '),
    slackSecret: notify.slack_secret ?? '',
    webhook: notify.webhook ?? '',
    events: notify.events,
    slowAfter: notify.slow_after === null ? '' : String(notify.slow_after),
    alerts: notify.alerts.join('\n')
  };
}
