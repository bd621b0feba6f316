/**
 * The pipeline shown in the notebook itself: every cell of a step carries its step's colour as a
 * left border and `data-mlops-step="NAME"`; a step's first cell gets a badge (name, what it runs
 * after, the last run's status and duration) that opens the step dialog; the prelude and the
 * parameters cell are marked too. Markers follow edits at once (markers.ts, the parser's rules);
 * the server's report, shortly after, puts a declaration error on the cell at fault.
 */
import { CommandRegistry } from '@lumino/commands';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { listRuns, pipelineOf } from './api';
import { tagsOf } from './cells';
import { CommandIDs } from './commandIds';
import { Change, LiveFeed } from './feed';
import { formatDuration } from './format';
import { CellMark, markCells } from './markers';
import { PipelineProblem, Run } from './types';

/** Markers are redrawn this long after the last edit (local: cheap)… */
const MARK_DEBOUNCE_MS = 60;
/** …and the server asked for declaration errors this long after (as the sidebar does). */
const REPORT_DEBOUNCE_MS = 400;

const MARKED = ['jp-mlops-marked', 'jp-mlops-marked-step', 'jp-mlops-marked-prelude', 'jp-mlops-marked-parameters'];

/** Follows one notebook: its cells, its declaration errors and its latest run. */
class NotebookMarkers {
  private _errors: PipelineProblem[] = [];
  private _run: Run | null = null;
  private _markTimer: number | undefined;
  private _reportTimer: number | undefined;
  private _asked = 0;
  private _disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly commands: CommandRegistry,
    private readonly enabled: () => boolean
  ) {
    panel.content.modelContentChanged.connect(this._edited, this);
    void panel.context.ready.then(() => {
      this._edited();
      this._loadRun();
    });
    panel.disposed.connect(() => this.dispose());
  }

  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._markTimer);
    window.clearTimeout(this._reportTimer);
    this.panel.content.modelContentChanged.disconnect(this._edited, this);
  }

  /** A run of this notebook changed (the live feed). */
  runChanged(run: Run): void {
    if (run.path === this.panel.context.path && (this._run === null || run.created_at >= this._run.created_at)) {
      this._run = run;
      this.draw();
    }
  }

  reconnected(): void {
    this._loadRun();
  }

  private _loadRun(): void {
    listRuns(this.panel.context.path, 1).then(
      page => {
        this._run = page.runs[0] ?? null;
        this.draw();
      },
      () => undefined // the sidebar reports a server that does not answer
    );
  }

  private _edited(): void {
    window.clearTimeout(this._markTimer);
    this._markTimer = window.setTimeout(() => this.draw(), MARK_DEBOUNCE_MS);
    window.clearTimeout(this._reportTimer);
    this._reportTimer = window.setTimeout(() => void this._report(), REPORT_DEBOUNCE_MS);
  }

  private async _report(): Promise<void> {
    const asked = ++this._asked;
    try {
      const report = await pipelineOf(this.panel.context.model.toJSON());
      if (asked === this._asked) {
        this._errors = report.errors;
        this.draw();
      }
    } catch {
      // Unreachable server: markers stay as the local reading draws them.
    }
  }

  draw(): void {
    if (this._disposed) {
      return;
    }
    const cells = this.panel.content.widgets;
    const on = this.enabled();
    const marks = on
      ? markCells(
          cells.map(cell => ({
            type: cell.model.type,
            source: cell.model.sharedModel.getSource(),
            tags: tagsOf(cell.model)
          }))
        )
      : [];
    cells.forEach((cell, index) => {
      const node = cell.node;
      node.querySelector(':scope > .jp-mlops-cell-badge')?.remove();
      node.classList.remove(...MARKED, 'jp-mlops-cell-error');
      delete node.dataset.mlopsStep;
      delete node.dataset.mlopsRole;
      delete node.dataset.mlopsError;
      const mark = marks[index];
      if (!mark) {
        return;
      }
      node.classList.add('jp-mlops-marked', `jp-mlops-marked-${mark.role}`);
      node.dataset.mlopsRole = mark.role;
      if (mark.step !== null) {
        node.dataset.mlopsStep = mark.step;
        node.style.setProperty('--jp-mlops-step-color', `var(--jp-mlops-step-color-${mark.color})`);
      }
      const problems = this._errors.filter(problem => problem.cell_index === index);
      if (problems.length > 0) {
        node.classList.add('jp-mlops-cell-error');
        node.dataset.mlopsError = problems.map(problem => problem.message).join('; ');
      }
      const badge = this._badge(mark, index, problems, marks);
      if (badge !== null) {
        // Above the input (a cell's layout may insert its parts after the header at any time).
        const input = node.querySelector(':scope > .jp-Cell-inputWrapper');
        input ? node.insertBefore(badge, input) : node.prepend(badge);
      }
    });
  }

  private _badge(mark: CellMark, index: number, problems: PipelineProblem[], marks: CellMark[]): HTMLElement | null {
    const firstOfPrelude = mark.role === 'prelude' && marks.findIndex(other => other.role === 'prelude') === index;
    if (!mark.first && mark.role !== 'parameters' && !firstOfPrelude && problems.length === 0) {
      return null;
    }
    const badge = document.createElement('div');
    badge.className = 'jp-mlops-cell-badge';
    const part = (className: string, text: string) => {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = text;
      badge.appendChild(span);
      return span;
    };
    if (mark.role === 'step' && mark.first) {
      badge.classList.add('jp-mlops-cell-badge-step');
      badge.dataset.mlopsBadge = mark.step!;
      part('jp-mlops-cell-badge-name', `${mark.kind === 'check' ? 'check' : 'step'} ${mark.step}`);
      if (mark.after.length > 0) {
        part('jp-mlops-cell-badge-after', `after ${mark.after.join(', ')}`);
      }
      const result = this._run?.steps.find(step => step.name === mark.step);
      if (result) {
        const status = part(`jp-mlops-badge jp-mlops-status-${result.status}`, result.status);
        status.dataset.status = result.status;
        status.title = `Last run ${this._run!.id}${result.error ? `: ${result.error}` : ''}`;
        if (result.duration !== null) {
          part('jp-mlops-cell-badge-duration', formatDuration(result.duration));
        }
      }
      badge.title = 'Edit the step (name, dependencies)';
      badge.setAttribute('role', 'button');
      badge.tabIndex = 0;
      const edit = () => {
        this.panel.content.activeCellIndex = index;
        void this.commands.execute(CommandIDs.makeStep);
      };
      badge.addEventListener('click', edit);
      badge.addEventListener('keydown', event => (event.key === 'Enter' || event.key === ' ') && edit());
    } else if (mark.role === 'parameters') {
      part('jp-mlops-cell-badge-name', 'parameters');
    } else if (firstOfPrelude) {
      part('jp-mlops-cell-badge-name', 'prelude · runs first');
    }
    for (const problem of problems) {
      part('jp-mlops-cell-badge-error', problem.message);
    }
    return badge;
  }
}

/** Marks every open notebook; `enabled` (the cellMarkers setting) is read at each redraw. */
export class CellMarkers {
  private readonly _notebooks = new Map<NotebookPanel, NotebookMarkers>();

  constructor(tracker: INotebookTracker, feed: LiveFeed, commands: CommandRegistry, enabled: () => boolean) {
    const follow = (panel: NotebookPanel) => {
      if (!this._notebooks.has(panel)) {
        this._notebooks.set(panel, new NotebookMarkers(panel, commands, enabled));
        panel.disposed.connect(() => this._notebooks.delete(panel));
      }
    };
    tracker.forEach(follow);
    tracker.widgetAdded.connect((_, panel) => follow(panel));
    feed.changed.connect((_, change: Change) => {
      for (const markers of this._notebooks.values()) {
        if (change.kind === 'run') {
          markers.runChanged(change.run);
        } else if (change.kind === 'ready') {
          markers.reconnected();
        }
      }
    });
  }

  /** Redraws every notebook (the setting changed). */
  redraw(): void {
    this._notebooks.forEach(markers => markers.draw());
  }
}
