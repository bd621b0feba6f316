/**
 * A dialog whose body is a form: the accept button is enabled only while the form is valid.
 *
 * JupyterLab's dialog decides that button itself, on every `input` event, from the `:invalid` and
 * `.jp-mod-error` it finds in its body (and refuses to accept while it finds one). A form that set
 * the button on its own raced it: a checkbox changes the form on `click`, before its `input` event,
 * so the dialog re-enabled an invalid form; a typed value was judged by the dialog before React saw
 * it. So the form marks its body `.jp-mod-error` while invalid and has the dialog look again.
 */
import { Dialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

/** What a form component gets: its last state (to reopen where it was) and where to report. */
export interface FormProps<S, T> {
  draft: S;
  /** Every change: the form's state, and its value or null while it is invalid. */
  report: (state: S, value: T | null) => void;
}

/** A dialog that can be told to check its body again (the check is protected in JupyterLab). */
class FormDialog<T> extends Dialog<T> {
  revalidate(): void {
    this._checkValidation();
  }
}

class FormBody<S, T> extends ReactWidget implements Dialog.IBodyWidget<T | null> {
  value: T | null = null;
  dialog: FormDialog<T | null> | null = null;

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
          this.toggleClass('jp-mod-error', value === null);
          this.dialog?.revalidate();
        }}
      />
    );
  }
}

/**
 * Shows the form until it is accepted valid or cancelled (null). The dialog refuses to accept an
 * invalid form; one accepted before the form first reported has no value yet, and reopens as it was.
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
    const dialog = new FormDialog<T | null>({
      title: options.title,
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })]
    });
    body.dialog = dialog;
    const result = await dialog.launch();
    if (!result.button.accept) {
      return null;
    }
    if (result.value !== null) {
      return result.value;
    }
    draft = body.draft;
  }
}
