/**
 * The server's live stream of run and schedule changes (`GET events`, server-sent events), so
 * the panel updates without polling. Protocol (jupyter_mlops/server/handlers/events.py): `ready`
 * once the server knows the current state — lists (re)loaded after it miss nothing, also after
 * a reconnect — then `run`, `batch`, `schedule` and `schedule-removed` as they happen.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { Batch, Run, Schedule } from './types';
import { apiUrl } from './url';

export type Change =
  | { kind: 'ready' }
  | { kind: 'run'; run: Run }
  | { kind: 'batch'; batch: Batch }
  | { kind: 'schedule'; schedule: Schedule }
  | { kind: 'schedule-removed'; id: string };

export class LiveFeed {
  private readonly _changed = new Signal<this, Change>(this);
  private _source: EventSource | null = null;

  get changed(): ISignal<this, Change> {
    return this._changed;
  }

  /** Opens the stream once; EventSource reconnects by itself and the server then sends `ready` again. */
  connect(): void {
    if (this._source !== null) {
      return;
    }
    const settings = ServerConnection.makeSettings();
    // EventSource cannot send headers: the token goes in the query (the cookie when there is none).
    const url = apiUrl(settings.baseUrl, 'events', { token: settings.token || undefined });
    const source = new EventSource(url, { withCredentials: true });
    const on = (name: string, toChange: (data: any) => Change) =>
      source.addEventListener(name, event =>
        this._changed.emit(toChange(JSON.parse((event as MessageEvent).data)))
      );
    on('ready', () => ({ kind: 'ready' }));
    on('run', run => ({ kind: 'run', run }));
    on('batch', batch => ({ kind: 'batch', batch }));
    on('schedule', schedule => ({ kind: 'schedule', schedule }));
    on('schedule-removed', ({ id }) => ({ kind: 'schedule-removed', id }));
    this._source = source;
  }
}
