import { depths, layoutDag } from '../dag';
import { Step } from '../types';

const step = (name: string, after: string[]): Step => ({ name, after, cell_indices: [0] });

describe('depths', () => {
  it('places each step one below its deepest dependency', () => {
    const steps = [step('load', []), step('clean', ['load']), step('stats', ['load']), step('report', ['clean', 'stats']), step('side', [])];
    expect(depths(steps)).toEqual({ load: 0, clean: 1, stats: 1, report: 2, side: 0 });
  });
});

describe('layoutDag', () => {
  it('lays out every step and dependency, dependencies above', () => {
    const steps = [step('load', []), step('clean', ['load']), step('stats', ['load']), step('report', ['clean', 'stats'])];
    const drawn = layoutDag(steps);
    expect(drawn.nodes.map(n => n.name).sort()).toEqual(['clean', 'load', 'report', 'stats']);
    expect(drawn.edges.map(e => `${e.from}->${e.to}`).sort()).toEqual([
      'clean->report',
      'load->clean',
      'load->stats',
      'stats->report'
    ]);
    const y = Object.fromEntries(drawn.nodes.map(n => [n.name, n.y]));
    expect(y.load).toBeLessThan(y.clean);
    expect(y.clean).toEqual(y.stats);
    expect(y.stats).toBeLessThan(y.report);
    expect(drawn.edges.every(e => e.points.length >= 2)).toBe(true);
    const right = Math.max(...drawn.nodes.map(n => n.x + n.width / 2));
    expect(right).toBeLessThanOrEqual(drawn.width);
  });
});
