/**
 * A dialog whose body is a form: the accept button is enabled only while the form is valid.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

/** What a form component gets: its last state (to reopen where it was) and where to report. */
export interface FormProps<S, T> {
  draft: S;
  /** Every change: the form's state, and its value or null while it is invalid. */
  report: (state: S, value: T | null) => void;
}

class FormBody<S, T> extends ReactWidget implements Dialog.IBodyWidget<T | null> {
  value: T | null = null;

  constructor(
    private readonly Form: React.ComponentType<FormProps<S, T>>,
    public draft: S
  ) {
    super();
    this.addClass('jp-mlops-form');
  }

  getValue(): T | null {
    return this.value;
  }

  protected render(): JSX.Element {
    const Form = this.Form;
    return (
      <Form
        draft={this.draft}
        report={(state, value) => {
          this.draft = state;
          this.value = value;
          const accept = this.node.closest('.jp-Dialog')?.querySelector('.jp-mod-accept');
          if (accept) {
            (accept as HTMLButtonElement).disabled = value === null;
          }
        }}
      />
    );
  }
}

/**
 * Shows the form until it is accepted valid (Enter accepts even with the button disabled: the
 * form then reopens as it was) or cancelled (null).
 */
export async function askForm<S, T>(options: {
  title: string;
  accept: string;
  form: React.ComponentType<FormProps<S, T>>;
  draft: S;
}): Promise<T | null> {
  let draft = options.draft;
  for (;;) {
    const body = new FormBody(options.form, draft);
    const result = await showDialog({
      title: options.title,
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })]
    });
    if (!result.button.accept) {
      return null;
    }
    if (result.value !== null) {
      return result.value;
    }
    draft = body.draft;
  }
}
