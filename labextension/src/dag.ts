/**
 * The shape of a pipeline's DAG: the depth of each step (the sidebar's indented list) and a
 * drawn layout (dagre, the layered-graph layout library Elyra and Kubeflow's UIs also use). Pure, so jest tests it.
 */
import { graphlib, layout } from '@dagrejs/dagre';

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

export interface DagNode {
  name: string;
  /** Centre and size, in the drawing's units (pixels at scale 1). */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DagEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface DagLayout {
  nodes: DagNode[];
  edges: DagEdge[];
  width: number;
  height: number;
}

const NODE_HEIGHT = 28;
/** Wide enough for the name in the panel's font (about 7 px a character) and the status dot. */
const nodeWidth = (name: string) => Math.max(64, name.length * 7.5 + 34);

/** Top to bottom, dependencies above the steps that run after them. */
export function layoutDag(steps: Step[]): DagLayout {
  const graph = new graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 30, marginx: 6, marginy: 6 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) {
    graph.setNode(step.name, { width: nodeWidth(step.name), height: NODE_HEIGHT });
  }
  const known = new Set(steps.map(step => step.name));
  for (const step of steps) {
    step.after.filter(name => known.has(name)).forEach(name => graph.setEdge(name, step.name));
  }
  layout(graph);
  const label = graph.graph();
  return {
    nodes: graph.nodes().map(name => {
      const node = graph.node(name);
      return { name, x: node.x, y: node.y, width: node.width, height: node.height };
    }),
    edges: graph.edges().map(edge => ({ from: edge.v, to: edge.w, points: graph.edge(edge).points ?? [] })),
    width: label.width ?? 0,
    height: label.height ?? 0
  };
}
