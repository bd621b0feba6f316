/**
 * The step declarations and the parameters tag of a notebook's cells, read and written
 * through the cell models (so edits are undoable and collaborative like any other).
 */
import { ICellModel } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';

import { parseStepLine } from './mlstep';

/** papermill's tag for the cell whose assignments are the parameters. */
export const PARAMETERS_TAG = 'parameters';

function cellModels(notebook: Notebook): ICellModel[] {
  return notebook.widgets.map(cell => cell.model);
}

/** The step each code cell declares, by cell index (null for other cells). */
export function declaredSteps(notebook: Notebook): (string | null)[] {
  return cellModels(notebook).map(model =>
    model.type === 'code' ? (parseStepLine(model.sharedModel.getSource())?.name ?? null) : null
  );
}

export function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? (tags as string[]) : [];
}

export function isParametersCell(model: ICellModel): boolean {
  return tagsOf(model).includes(PARAMETERS_TAG);
}

/** Make `target` the one parameters cell (papermill reads only one), or untag it if it is. */
export function toggleParametersCell(notebook: Notebook, target: ICellModel): void {
  const tagging = !isParametersCell(target);
  for (const model of cellModels(notebook)) {
    const tags = tagsOf(model).filter(tag => tag !== PARAMETERS_TAG);
    if (tagging && model === target) {
      tags.push(PARAMETERS_TAG);
    }
    if (tags.length !== tagsOf(model).length) {
      if (tags.length > 0) {
        model.setMetadata('tags', tags);
      } else {
        model.deleteMetadata('tags');
      }
    }
  }
}
