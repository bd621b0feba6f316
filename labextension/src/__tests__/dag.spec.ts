import { depths } from '../dag';
import { Step } from '../types';

const step = (name: string, after: string[]): Step => ({ name, after, cell_indices: [0] });

describe('depths', () => {
  it('places each step one below its deepest dependency', () => {
    const steps = [step('load', []), step('clean', ['load']), step('stats', ['load']), step('report', ['clean', 'stats']), step('side', [])];
    expect(depths(steps)).toEqual({ load: 0, clean: 1, stats: 1, report: 2, side: 0 });
  });
});
