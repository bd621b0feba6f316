/**
 * Comparing two runs side by side: their parameters and recorded metrics. Pure, so jest tests it.
 */
import { Run } from './types';

export interface ComparedRow {
  section: 'parameter' | 'metric';
  name: string;
  left: string;
  right: string;
  differs: boolean;
}

const shown = (value: unknown): string => (value === undefined ? '—' : JSON.stringify(value));

function rows(
  section: ComparedRow['section'],
  left: Record<string, unknown>,
  right: Record<string, unknown>
): ComparedRow[] {
  const names = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return names.map(name => {
    const a = shown(left[name]);
    const b = shown(right[name]);
    return { section, name, left: a, right: b, differs: a !== b };
  });
}

export function compareRuns(left: Run, right: Run): ComparedRow[] {
  return [
    ...rows('parameter', left.parameters, right.parameters),
    ...rows('metric', left.metrics, right.metrics)
  ];
}
