// A group whose members' health has a staleness bound (as every tcp or http health feed gives it) resized
// 100 -> 3,000 -> 100 under a quorum rule: each new member reports up once as it starts, then one round of
// health checks reports every member up, then the group shrinks back. Times each phase per build given on the
// command line (paths of built `dist` directories, e.g. this one and an older commit's), alternating the
// order over rounds, and prints min/median/max per build and the ratio of medians against the first build.
// Usage: npx tsx bench/quorum-resize.ts dist /tmp/old/dist [rounds]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Lib = typeof import('../src/index.js');

const SMALL = 100;
const LARGE = Number(process.env['BENCH_QUORUM_LARGE'] ?? 3000);

/** One resize of a fresh group; returns the milliseconds of each phase. */
function resize(lib: Lib): { grow: number; round: number; shrink: number } {
  const clock = new lib.VirtualClock();
  const tree = new lib.EntityTree(clock);
  const group = tree.add({ id: 'group', type: 'group' });
  const health = lib.booleanSensor('service.up', { staleAfterMs: 30_000 });
  lib.quorumUp({ from: 'children', rule: { rule: 'fraction', value: 0.5 } }).start(group, { tree, scheduler: clock });
  const members: Array<ReturnType<typeof tree.add>> = [];
  const join = (i: number): void => {
    const member = tree.add({ id: `m${i}`, type: 'server', sensors: [health] }, group);
    members.push(member);
    clock.frame += 1;
    member.setUp(true);
  };
  for (let i = 0; i < SMALL; i++) join(i);
  let t = performance.now();
  for (let i = SMALL; i < LARGE; i++) join(i);
  const grow = performance.now() - t;
  t = performance.now();
  for (const member of members) {
    clock.frame += 1;
    member.setUp(true);
  }
  const round = performance.now() - t;
  t = performance.now();
  while (members.length > SMALL) tree.remove(members.pop() as ReturnType<typeof tree.add>);
  const shrink = performance.now() - t;
  if (group.sensor('service.up').value !== true) throw new Error('the group lost quorum: the bench is not measuring what it says');
  return { grow, round, shrink };
}

const dirs = process.argv.slice(2).filter((a) => !/^\d+$/.test(a));
const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const libs: Lib[] = [];
for (const dir of dirs) libs.push((await import(pathToFileURL(resolve(dir, 'index.js')).href)) as Lib);
const times = dirs.map(() => ({ grow: [] as number[], round: [] as number[], shrink: [] as number[] }));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? libs.map((_, i) => i) : libs.map((_, i) => libs.length - 1 - i);
  for (const i of order) {
    const result = resize(libs[i] as Lib);
    const into = times[i] as (typeof times)[number];
    into.grow.push(result.grow);
    into.round.push(result.round);
    into.shrink.push(result.shrink);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const show = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}/${median(xs).toFixed(1)}/${Math.max(...xs).toFixed(1)} ms`;
console.log(`resize ${SMALL} -> ${LARGE} -> ${SMALL}, health bounded (30 s), ${rounds} rounds, min/median/max`);
dirs.forEach((dir, i) => {
  const t = times[i] as (typeof times)[number];
  const base = times[0] as (typeof times)[number];
  const ratio = (k: 'grow' | 'round' | 'shrink'): string => (median(t[k]) / median(base[k])).toPrecision(2);
  console.log(`${dir}: grow ${show(t.grow)} (x${ratio('grow')}), health round ${show(t.round)} (x${ratio('round')}), shrink ${show(t.shrink)} (x${ratio('shrink')})`);
});
