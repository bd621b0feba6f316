import { InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { initialText, keepsNotebookDefault, parseAxis, parseValue } from '../params';
import { Parameter } from '../types';

/**
 * One typed input per parameter of the parameters cell, with what is wrong under it; with
 * `axes`, each takes a list of values separated by commas (a batch's grid).
 */
export function ParameterInputs(props: {
  parameters: Parameter[];
  texts: Record<string, string>;
  axes?: boolean;
  onChange: (name: string, text: string) => void;
}): JSX.Element {
  if (props.parameters.length === 0) {
    return <div className="jp-mlops-hint">No parameters cell: the notebook runs as written.</div>;
  }
  return (
    <div className="jp-mlops-parameters">
      {props.parameters.map(parameter => {
        const text = props.texts[parameter.name] ?? initialText(parameter);
        const { error } = keepsNotebookDefault(parameter, text)
          ? { error: null }
          : props.axes
            ? parseAxis(parameter.type, text)
            : parseValue(parameter.type, text);
        const numeric = !props.axes && (parameter.type === 'int' || parameter.type === 'float');
        const id = `jp-mlops-parameter-${parameter.name}`;
        return (
          <div key={parameter.name} className="jp-mlops-parameter" data-parameter={parameter.name}>
            <label htmlFor={id}>
              {parameter.name} <span className="jp-mlops-type">{parameter.type}</span>
            </label>
            {parameter.type === 'bool' && !props.axes ? (
              <input
                id={id}
                type="checkbox"
                checked={text === 'true'}
                onChange={event => props.onChange(parameter.name, String(event.target.checked))}
              />
            ) : (
              <InputGroup
                id={id}
                type={numeric ? 'number' : 'text'}
                step={numeric && parameter.type === 'float' ? 'any' : undefined}
                value={text}
                placeholder={parameter.source ? `notebook default: ${parameter.source}` : undefined}
                aria-invalid={error !== null}
                onChange={event => props.onChange(parameter.name, (event.target as HTMLInputElement).value)}
              />
            )}
            {error && <div className="jp-mlops-field-error">{error}</div>}
          </div>
        );
      })}
    </div>
  );
}
