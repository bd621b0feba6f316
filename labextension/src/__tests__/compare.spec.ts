import { compareRuns } from '../compare';
import { Run } from '../types';

const run = (parameters: Record<string, unknown>, metrics: Record<string, unknown>) =>
  ({ parameters, metrics }) as unknown as Run;

describe('compareRuns', () => {
  it('lines up parameters and metrics and marks differences', () => {
    const rows = compareRuns(run({ alpha: 0.5, n: 3 }, { acc: 0.9 }), run({ alpha: 0.7, n: 3 }, {}));
    expect(rows).toEqual([
      { section: 'parameter', name: 'alpha', left: '0.5', right: '0.7', differs: true },
      { section: 'parameter', name: 'n', left: '3', right: '3', differs: false },
      { section: 'metric', name: 'acc', left: '0.9', right: '—', differs: true }
    ]);
  });
});
