import React from 'react';

/** A checkbox per choice; what is chosen is kept in the choices' order, whatever the clicking order. */
export function CheckList(props: {
  choices: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
}): JSX.Element {
  const { choices, chosen } = props;
  return (
    <>
      {choices.map(name => (
        <label key={name} className="jp-mlops-check">
          <input
            type="checkbox"
            checked={chosen.includes(name)}
            onChange={event =>
              props.onChange(
                event.target.checked
                  ? choices.filter(other => other === name || chosen.includes(other))
                  : chosen.filter(other => other !== name)
              )
            }
          />
          {name}
        </label>
      ))}
    </>
  );
}
