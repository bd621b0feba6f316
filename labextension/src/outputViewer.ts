/**
 * A run's output notebook, opened read-only in the main area. It lives in the run's folder,
 * outside the server's root, so it is fetched through the API rather than opened as a file;
 * an output notebook is a record and is never edited.
 */
import { IEditorServices } from '@jupyterlab/codeeditor';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { NotebookModel, NotebookPanel, StaticNotebook } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as nbformat from '@jupyterlab/nbformat';

import { runNotebook } from './api';
import { shortRunId } from './format';
import { mlopsIcon } from './icon';
import { Run } from './types';

const READ_ONLY = { readOnly: true };

export async function outputNotebookWidget(
  run: Run,
  rendermime: IRenderMimeRegistry,
  editorServices: IEditorServices
): Promise<MainAreaWidget<StaticNotebook>> {
  const content = (await runNotebook(run.id)) as nbformat.INotebookContent;
  const model = new NotebookModel();
  model.fromJSON(content);
  const notebook = new StaticNotebook({
    rendermime,
    contentFactory: new NotebookPanel.ContentFactory({
      editorFactory: editorServices.factoryService.newInlineEditor
    }),
    mimeTypeService: editorServices.mimeTypeService,
    editorConfig: { code: READ_ONLY, markdown: READ_ONLY, raw: READ_ONLY },
    // Every cell rendered at once: the view is a record to read and search, not to edit.
    notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode: 'none' }
  });
  notebook.model = model;
  notebook.addClass('jp-mlops-output-notebook');
  const widget = new MainAreaWidget({ content: notebook });
  widget.title.label = `${(run.path ?? run.notebook).split('/').pop()} · run ${shortRunId(run.id)}`;
  widget.title.caption = `Output notebook of run ${run.id} (${run.status}), read-only`;
  widget.title.icon = mlopsIcon;
  widget.disposed.connect(() => model.dispose());
  return widget;
}
