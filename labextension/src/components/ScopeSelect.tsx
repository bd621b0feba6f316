import { HTMLSelect } from '@jupyterlab/ui-components';
import React from 'react';

export type Scope = 'notebook' | 'all';

/** Whether a list shows the active notebook's records or every notebook's. */
export function ScopeSelect(props: { label: string; scope: Scope; onChange: (scope: Scope) => void }): JSX.Element {
  return (
    <HTMLSelect
      aria-label={props.label}
      value={props.scope}
      onChange={event => props.onChange(event.target.value as Scope)}
    >
      <option value="notebook">This notebook</option>
      <option value="all">All notebooks</option>
    </HTMLSelect>
  );
}
