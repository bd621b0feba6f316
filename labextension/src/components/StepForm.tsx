import { InputGroup } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { FormProps } from '../form';
import { afterOption, stepNameProblem } from '../mlstep';
import { CheckList } from './CheckList';

export interface StepDraft {
  name: string;
  after: string[];
  /** Steps declared above the cell, in order: the possible dependencies. */
  above: string[];
  /** Names other cells already use. */
  taken: string[];
}

export interface StepValue {
  name: string;
  after: string[] | null;
}

/** Asks a step's name and the steps it runs after ("Make cell a pipeline step"). */
export function StepForm(props: FormProps<StepDraft, StepValue>): JSX.Element {
  const [draft, setDraft] = useState(props.draft);
  const problem = stepNameProblem(draft.name, draft.taken);
  const previous = draft.above.length > 0 ? draft.above[draft.above.length - 1] : null;
  useEffect(() => {
    props.report(draft, problem === null ? { name: draft.name, after: afterOption(draft.after, previous) } : null);
  }, [draft]);
  const update = (changes: Partial<StepDraft>) => setDraft({ ...draft, ...changes });
  return (
    <div className="jp-mlops-step-form">
      <label className="jp-mlops-field">
        <span>Step name</span>
        <InputGroup
          autoFocus
          value={draft.name}
          aria-invalid={problem !== null}
          onChange={event => update({ name: (event.target as HTMLInputElement).value })}
        />
      </label>
      {problem && draft.name && <div className="jp-mlops-field-error">{problem}</div>}
      <fieldset className="jp-mlops-fieldset">
        <legend>Runs after</legend>
        {draft.above.length === 0 && <div className="jp-mlops-hint">No step above this cell.</div>}
        <CheckList choices={draft.above} chosen={draft.after} onChange={after => update({ after })} />
      </fieldset>
    </div>
  );
}
