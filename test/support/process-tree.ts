import { readdirSync, readFileSync } from 'node:fs';

/** The parent pid of `pid`, from /proc; undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    // the command name may hold spaces and parentheses: the fields after the last ') ' are fixed
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and all its descendants (by positive pid), read from /proc now. */
export function processTree(root: number): number[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const parents = new Map(all.map((pid) => [pid, parentOf(pid)]));
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  return tree;
}

/** Sends `signal` to each pid (positive pids only); a process already gone is skipped. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    if (!(pid > 0)) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone (killed by a fence, or exited)
    }
  }
}
