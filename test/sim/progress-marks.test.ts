import { describe, expect, it } from 'vitest';
import { ProgressMarks } from '../../src/sim/progress-marks.js';

describe('ProgressMarks', () => {
  it('marks each tenth of the run once, a jump over several tenths once, and the end once', () => {
    const marks: Array<[number, number]> = [];
    const progress = new ProgressMarks(100_000, (at, of) => marks.push([at, of]));
    for (const now of [5_000, 10_000, 10_500, 19_999, 20_000, 55_000, 61_000]) progress.passed(now);
    expect(marks).toEqual([[10, 100], [20, 100], [55, 100], [61, 100]]);
    progress.passed(100_000);
    progress.passed(120_000);
    progress.end();
    expect(marks.slice(4)).toEqual([[100, 100]]);
  });

  it('marks only the end of a run with no length', () => {
    const marks: number[] = [];
    const progress = new ProgressMarks(0, (at) => marks.push(at));
    progress.passed(0);
    progress.end();
    expect(marks).toEqual([0]);
  });
});
