/**
 * Which pipeline part each cell belongs to, for marking the cells in the notebook as they are
 * edited: the prelude, the parameters cell, or a step (with its first cell and what it runs after).
 * The rules are the server's (jupyter_mlops/pipeline/parser.py), read from the same declarations as
 * mlstep.ts: a `%%mlstep NAME` or `%%mlcheck NAME` first line, or the tags `mlstep:NAME` /
 * `mlcheck:NAME` with `after:A,B`. Pure, so jest tests it; the server stays the judge of validity.
 */
import { MAGIC, parseStepLine } from './mlstep';

const CHECK_MAGIC = '%%mlcheck';
/** Steps take these colours in notebook order, round-robin (style/base.css --jp-mlops-step-color-N). */
export const STEP_COLORS = 8;

export interface CellInput {
  type: string;
  source: string;
  tags: string[];
}

export interface CellMark {
  role: 'prelude' | 'parameters' | 'step';
  /** The step's name (null for the prelude and the parameters cell). */
  step: string | null;
  /** Whether the cell declares the step (where its badge goes). */
  first: boolean;
  /** "step" or "check" (a %%mlcheck safeguard). */
  kind: 'step' | 'check';
  /** The steps it runs after (as declared, else the step before). */
  after: string[];
  /** The step's colour, 0 … STEP_COLORS-1. */
  color: number;
}

interface Declared {
  name: string;
  after: string[] | null;
  kind: 'step' | 'check';
}

function fromTags(tags: string[]): Declared | null {
  const named = tags.find(tag => tag.startsWith('mlstep:') || tag.startsWith('mlcheck:'));
  if (!named) {
    return null;
  }
  const after = tags
    .filter(tag => tag.startsWith('after:'))
    .flatMap(tag => tag.slice('after:'.length).split(','))
    .map(name => name.trim())
    .filter(Boolean);
  const kind = named.startsWith('mlcheck:') ? 'check' : 'step';
  return { name: named.slice(named.indexOf(':') + 1), after: tags.some(t => t.startsWith('after:')) ? after : null, kind };
}

/** A code cell's step declaration (magic first, then tags), or null. */
export function declarationOf(cell: CellInput): Declared | null {
  if (cell.type !== 'code') {
    return null;
  }
  const source = cell.source.replace(/^\n+/, '');
  const isCheck = source.startsWith(CHECK_MAGIC + ' ') || source.trim() === CHECK_MAGIC;
  const line = parseStepLine(isCheck ? MAGIC + source.slice(CHECK_MAGIC.length) : source);
  if (line !== null && line.name) {
    return { name: line.name, after: line.after, kind: isCheck ? 'check' : 'step' };
  }
  return fromTags(cell.tags);
}

export function markCells(cells: CellInput[]): CellMark[] {
  const marks: CellMark[] = [];
  let current: CellMark | null = null;
  let previous: string | null = null;
  let count = 0;
  for (const cell of cells) {
    if (cell.type === 'code' && cell.tags.includes('parameters')) {
      marks.push({ role: 'parameters', step: null, first: false, kind: 'step', after: [], color: 0 });
      continue;
    }
    const declared = declarationOf(cell);
    if (declared !== null) {
      const after = declared.after ?? (previous === null ? [] : [previous]);
      current = { role: 'step', step: declared.name, first: true, kind: declared.kind, after, color: count++ % STEP_COLORS };
      previous = declared.name;
      marks.push(current);
    } else if (current !== null) {
      marks.push({ ...current, first: false });
    } else {
      marks.push({ role: 'prelude', step: null, first: false, kind: 'step', after: [], color: 0 });
    }
  }
  return marks;
}
