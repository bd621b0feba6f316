/**
 * Commands on the active cell: make it a pipeline step, remove its step, mark it as the
 * parameters cell. In the palette, the cell context menu and the notebook toolbar.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';

import { declaredSteps, isParametersCell, toggleParametersCell } from './cells';
import { CommandIDs } from './commandIds';
import { StepDraft, StepForm, StepValue } from './components/StepForm';
import { askForm } from './form';
import { parseStepLine, withoutStep, withStep } from './mlstep';

export function addCellCommands(app: JupyterFrontEnd, tracker: INotebookTracker): void {
  const activeCell = () => tracker.activeCell;
  const activeCode = () => (activeCell()?.model.type === 'code' ? activeCell() : null);
  const stepOf = () => {
    const cell = activeCode();
    return cell ? parseStepLine(cell.model.sharedModel.getSource()) : null;
  };

  app.commands.addCommand(CommandIDs.makeStep, {
    label: () => (stepOf() ? 'Edit Pipeline Step…' : 'Make Cell a Pipeline Step…'),
    caption: 'Declare the cell as a %%mlstep step: its name and the steps it runs after',
    isEnabled: () => activeCode() !== null,
    execute: async () => {
      const notebook = tracker.currentWidget?.content;
      const cell = activeCode();
      if (!notebook || !cell) {
        return;
      }
      const index = notebook.widgets.indexOf(cell);
      const steps = declaredSteps(notebook);
      const current = parseStepLine(cell.model.sharedModel.getSource());
      const above = steps.slice(0, index).filter((name): name is string => name !== null);
      const draft: StepDraft = {
        name: current?.name ?? '',
        after: current?.after ?? above.slice(-1),
        above,
        taken: steps.filter((name, i): name is string => name !== null && i !== index)
      };
      const value = await askForm<StepDraft, StepValue>({
        title: current ? 'Edit pipeline step' : 'Make cell a pipeline step',
        accept: current ? 'Save' : 'Make step',
        form: StepForm,
        draft
      });
      if (value) {
        const source = cell.model.sharedModel.getSource();
        cell.model.sharedModel.setSource(withStep(source, value.name, value.after));
      }
    }
  });

  app.commands.addCommand(CommandIDs.removeStep, {
    label: 'Remove Pipeline Step',
    caption: 'Drop the %%mlstep line: the cell joins the step above it',
    isEnabled: () => stepOf() !== null,
    execute: () => {
      const cell = activeCode();
      if (cell) {
        cell.model.sharedModel.setSource(withoutStep(cell.model.sharedModel.getSource()));
      }
    }
  });

  app.commands.addCommand(CommandIDs.markParameters, {
    label: 'Mark as Parameters Cell',
    caption: "Tag the cell 'parameters' (papermill): its assignments become the run's parameters",
    isEnabled: () => activeCode() !== null,
    isToggled: () => {
      const cell = activeCell();
      return cell ? isParametersCell(cell.model) : false;
    },
    execute: () => {
      const notebook = tracker.currentWidget?.content;
      const cell = activeCode();
      if (notebook && cell) {
        toggleParametersCell(notebook, cell.model);
      }
    }
  });

  // Labels and toggles depend on the active cell.
  const refresh = () => {
    app.commands.notifyCommandChanged(CommandIDs.makeStep);
    app.commands.notifyCommandChanged(CommandIDs.removeStep);
    app.commands.notifyCommandChanged(CommandIDs.markParameters);
  };
  tracker.activeCellChanged.connect(refresh);
  tracker.currentChanged.connect(refresh);
}
