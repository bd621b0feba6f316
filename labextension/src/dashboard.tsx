/**
 * The MLOps dashboard as a widget, and where it opens: a main-area tab in JupyterLab; in
 * Notebook 7 a tab of the tree page (`/tree`) beside Files and Running, its page of its own —
 * a Notebook 7 notebook page holds one document, so from there it opens the tree page.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { TabPanel } from '@lumino/widgets';
import React from 'react';

import { Dashboard, DashboardPage } from './components/Dashboard';
import { LiveFeed } from './feed';
import { mlopsIcon } from './icon';

/** The tree page's query parameter naming the dashboard page to show (JSON). */
const PAGE_PARAMETER = 'mlops-dashboard';

export class MLOpsDashboard extends ReactWidget {
  private _page: DashboardPage = { kind: 'runs' };

  constructor(
    private readonly feed: LiveFeed,
    private readonly commands: CommandRegistry
  ) {
    super();
    this.addClass('jp-mlops-dashboard-widget');
  }

  showPage(page: DashboardPage): void {
    this._page = page;
    this.update();
  }

  protected render(): JSX.Element {
    return <Dashboard feed={this.feed} commands={this.commands} page={this._page} navigate={page => this.showPage(page)} />;
  }
}

/** The page the command's arguments ask for: `run`, `a` and `b`, `schedule`, or `page` (a section). */
export function pageOf(args: ReadonlyPartialJSONObject): DashboardPage {
  if (typeof args.run === 'string') {
    return { kind: 'run', id: args.run };
  }
  if (typeof args.a === 'string' && typeof args.b === 'string') {
    return { kind: 'compare', a: args.a, b: args.b };
  }
  if (typeof args.schedule === 'string') {
    return { kind: 'schedule', id: args.schedule };
  }
  return args.page === 'schedules' || args.page === 'batches' ? { kind: args.page } : { kind: 'runs' };
}

export class DashboardOpener {
  private _main: MainAreaWidget<MLOpsDashboard> | null = null;
  private _tab: MLOpsDashboard | null = null;

  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly feed: LiveFeed,
    /** Notebook 7's tree page (Files, Running, …); null elsewhere. */
    private readonly tree: TabPanel | null
  ) {
    if (tree !== null) {
      // Always a tab of the tree page, as Files and Running are; shown first when the URL asks.
      this._tab = new MLOpsDashboard(feed, app.commands);
      this._tab.id = 'jupyter-mlops-dashboard';
      this._tab.title.label = 'MLOps';
      this._tab.title.icon = mlopsIcon;
      tree.addWidget(this._tab);
      const asked = new URLSearchParams(window.location.search).get(PAGE_PARAMETER);
      if (asked !== null) {
        let page: DashboardPage = { kind: 'runs' };
        try {
          page = JSON.parse(asked) as DashboardPage;
        } catch {
          // A mangled link still opens the dashboard, on its runs.
        }
        this.open(page);
      }
    }
  }

  open(page: DashboardPage): void {
    if (this.tree !== null && this._tab !== null) {
      this.tree.currentWidget = this._tab;
      this._tab.showPage(page);
      return;
    }
    if (this._main === null || this._main.isDisposed) {
      const content = new MLOpsDashboard(this.feed, this.app.commands);
      this._main = new MainAreaWidget({ content });
      this._main.id = 'jupyter-mlops-dashboard';
      this._main.title.label = 'MLOps';
      this._main.title.caption = 'MLOps dashboard: runs, schedules and batches of every notebook';
      this._main.title.icon = mlopsIcon;
    }
    if (!this._main.isAttached) {
      this.app.shell.add(this._main, 'main');
    }
    if (!this._main.isAttached) {
      // Notebook 7's notebook page refuses a second main widget: the tree page has the dashboard.
      this._main.dispose();
      const url = URLExt.join(PageConfig.getBaseUrl(), 'tree');
      window.open(`${url}?${PAGE_PARAMETER}=${encodeURIComponent(JSON.stringify(page))}`, '_blank');
      return;
    }
    this.app.shell.activateById(this._main.id);
    this._main.content.showPage(page);
  }
}
