import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { mlopsIcon } from './icon';
import { fileName } from './paths';

/**
 * The server-relative path of the notebook the panel is about: the current one of the tracker
 * (the last notebook that had focus), followed through renames; null when none is open.
 */
function useActiveNotebookPath(tracker: INotebookTracker): string | null {
  const [path, setPath] = useState<string | null>(null);
  useEffect(() => {
    let context: NotebookPanel['context'] | null = null;
    const onRenamed = (_: unknown, newPath: string) => setPath(newPath);
    const onCurrentChanged = (_: unknown, panel: NotebookPanel | null) => {
      context?.pathChanged.disconnect(onRenamed);
      context = panel?.context ?? null;
      context?.pathChanged.connect(onRenamed);
      setPath(context?.path ?? null);
    };
    onCurrentChanged(tracker, tracker.currentWidget);
    tracker.currentChanged.connect(onCurrentChanged);
    return () => {
      tracker.currentChanged.disconnect(onCurrentChanged);
      context?.pathChanged.disconnect(onRenamed);
    };
  }, [tracker]);
  return path;
}

function MLOpsPanel({ tracker }: { tracker: INotebookTracker }): JSX.Element {
  const path = useActiveNotebookPath(tracker);
  return (
    <div className="jp-mlops-panel">
      <h2 className="jp-mlops-title">MLOps pipeline</h2>
      {path ? (
        <div className="jp-mlops-notebook" title={path}>
          {fileName(path)}
        </div>
      ) : (
        <p className="jp-mlops-empty">Open a notebook to see its pipeline.</p>
      )}
    </div>
  );
}

/** The left sidebar widget. */
export class MLOpsSidebar extends ReactWidget {
  constructor(private readonly tracker: INotebookTracker) {
    super();
    this.id = 'jupyter-mlops-sidebar';
    this.addClass('jp-mlops-sidebar');
    this.title.icon = mlopsIcon;
    this.title.caption = 'MLOps pipeline';
  }

  protected render(): JSX.Element {
    return <MLOpsPanel tracker={this.tracker} />;
  }
}
