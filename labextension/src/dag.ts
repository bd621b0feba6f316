/**
 * The shape of a pipeline's DAG for drawing it as an indented list. Pure, so jest tests it.
 */
import { Step } from './types';

/** Each step's depth: 0 for a step with no dependency, else one more than its deepest dependency. */
export function depths(steps: Step[]): Record<string, number> {
  const depth: Record<string, number> = {};
  // Steps come in notebook order and may only run after steps above them, so one pass suffices.
  for (const step of steps) {
    depth[step.name] = step.after.length === 0 ? 0 : 1 + Math.max(...step.after.map(name => depth[name] ?? 0));
  }
  return depth;
}
