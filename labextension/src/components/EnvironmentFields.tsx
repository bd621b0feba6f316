/**
 * The kernel, environment variables and secrets of a run, batch or schedule, and the secrets
 * themselves: a password field sets one (write-only: the server never sends a value back), the
 * names set are listed with a button to remove each.
 */
import { Button, HTMLSelect } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { removeSecret, setSecret } from '../api';
import { KernelChoice } from '../types';

export interface EnvironmentDraft {
  kernels: KernelChoice[];
  /** '' runs the notebook's own kernel. */
  kernel: string;
  envText: string;
  secretsText: string;
  secretNames: string[];
}

function SecretsManager(props: { names: string[]; onChange: (names: string[]) => void }): JSX.Element {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const act = async (action: () => Promise<string[]>) => {
    try {
      props.onChange(await action());
      setProblem(null);
    } catch (error) {
      setProblem(String((error as Error).message ?? error));
    }
  };
  return (
    <div className="jp-mlops-secrets" aria-label="Secrets set">
      <div className="jp-mlops-secret-set">
        <input aria-label="Secret name" placeholder="Secret name" value={name} onChange={e => setName(e.target.value)} />
        <input
          aria-label="Secret value"
          type="password"
          autoComplete="new-password"
          placeholder="Value"
          value={value}
          onChange={e => setValue(e.target.value)}
        />
        <Button
          small
          disabled={!name.trim() || !value}
          onClick={() =>
            act(async () => {
              const entry = await setSecret(name.trim(), value);
              setValue(''); // not kept in the page once stored
              return [...new Set([...props.names, entry.name])].sort();
            })
          }
        >
          Set secret
        </Button>
      </div>
      {problem && <div className="jp-mlops-field-error">{problem}</div>}
      <div className="jp-mlops-hint">
        Secrets set:{' '}
        {props.names.length === 0
          ? 'none'
          : props.names.map(secret => (
              <span key={secret} className="jp-mlops-secret-name">
                <code>{secret}</code>
                <button
                  className="jp-mlops-link"
                  aria-label={`Remove secret ${secret}`}
                  title="Remove"
                  onClick={() => act(async () => (await removeSecret(secret)).map(entry => entry.name))}
                >
                  ×
                </button>{' '}
              </span>
            ))}
      </div>
    </div>
  );
}

export function EnvironmentFields(props: {
  draft: EnvironmentDraft;
  envError: string | null;
  secretsError: string | null;
  onChange: (changes: Partial<EnvironmentDraft>) => void;
}): JSX.Element {
  const { draft, onChange } = props;
  /** A text of a few lines, one entry a line, and below it what is wrong with it. */
  const lines = (label: string, key: 'envText' | 'secretsText', placeholder: string, error: string | null) => (
    <>
      <label className="jp-mlops-field">
        <span>{label}</span>
        <textarea
          aria-label={label}
          rows={2}
          placeholder={placeholder}
          value={draft[key]}
          onChange={e => onChange({ [key]: e.target.value })}
        />
      </label>
      {error && <div className="jp-mlops-field-error">{error}</div>}
    </>
  );
  return (
    <fieldset className="jp-mlops-fieldset" aria-label="Environment">
      <legend>Kernel and environment</legend>
      <label className="jp-mlops-field">
        <span>Kernel</span>
        <HTMLSelect aria-label="Kernel" value={draft.kernel} onChange={e => onChange({ kernel: e.target.value })}>
          <option value="">The notebook's kernel</option>
          {draft.kernels.map(kernel => (
            <option key={kernel.name} value={kernel.name}>
              {kernel.display_name} ({kernel.name})
            </option>
          ))}
        </HTMLSelect>
      </label>
      {lines('Variables', 'envText', 'NAME=VALUE, one a line', props.envError)}
      {lines('Secrets', 'secretsText', 'NAME, or VAR=NAME, one a line', props.secretsError)}
      <SecretsManager names={draft.secretNames} onChange={secretNames => onChange({ secretNames })} />
    </fieldset>
  );
}
