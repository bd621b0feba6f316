import { Button, LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import React from 'react';

/** A button that executes a command: the panel's actions are the same commands as the palette's. */
export function CommandButton(props: {
  commands: CommandRegistry;
  command: string;
  args?: ReadonlyPartialJSONObject;
  icon?: LabIcon;
  /** Shown text; without it the button shows only its icon and the command's label is its name. */
  text?: string;
  minimal?: boolean;
}): JSX.Element {
  const args = props.args ?? {};
  const label = props.commands.label(props.command, args);
  return (
    <Button
      className="jp-mlops-button"
      minimal={props.minimal}
      small
      title={props.commands.caption(props.command, args) || label}
      aria-label={label}
      data-command={props.command}
      disabled={!props.commands.isEnabled(props.command, args)}
      onClick={() => void props.commands.execute(props.command, args)}
    >
      {props.icon && <props.icon.react tag="span" className="jp-mlops-button-icon" />}
      {props.text && <span>{props.text}</span>}
    </Button>
  );
}
