import { setFlagsFromString } from 'node:v8';

/**
 * Turns V8's allocation-site pretenuring off for this process, unless its command line or NODE_OPTIONS already
 * says what to do with it (`--allocation-site-pretenuring` or `--no-allocation-site-pretenuring`).
 *
 * V8 pretenures an object literal (makes its objects in the old generation from then on) when most of its
 * objects outlived a young collection. A loop's records of one decision (its symptom, plan, queued writes,
 * stored record) live until the decision is recorded, and the store keeps the newest ones: in the first
 * collections after a start, while the young generation is small, most of them outlive one, and in about half
 * of the processes V8 then pretenured some of them for the rest of the process. Every decision after that left
 * old-space garbage for full collections: 9-22 us per decision instead of 5-7 us under a flood of decisions
 * (`bench/decision-cost.ts`), the same process build for build. The records of a decision die young once the
 * loop runs; a start makes its long-lived objects with `new`, which V8 never pretenures anyway.
 *
 * `homeostat run` calls it first thing. An embedding process decides for itself (`node
 * --no-allocation-site-pretenuring`, or this function at its start).
 * @returns true when it turned pretenuring off, false when the process's flags already name it
 */
export function turnOffPretenuring(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): boolean {
  if (execArgv.some((arg) => arg.includes('allocation-site-pretenuring')) || nodeOptions.includes('allocation-site-pretenuring')) return false;
  setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}
