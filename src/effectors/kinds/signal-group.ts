/**
 * Sends a signal to a process group (every process a command started, not just the first), falling back to
 * the process alone when it leads no group.
 * @returns false when no such process exists any more
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * SIGTERM to the group now, SIGKILL after `graceMs` unless `exited` resolves first. The grace timer is a
 * real-time I/O timeout, not loop time: a process ignores virtual time.
 */
export async function terminateGroup(pid: number, graceMs: number, exited: Promise<unknown>): Promise<'terminated' | 'killed'> {
  if (!signalGroup(pid, 'SIGTERM')) return 'terminated';
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'killed'>((resolve) => (timer = setTimeout(() => resolve('killed'), graceMs)));
  const how = await Promise.race([exited.then(() => 'terminated' as const), grace]);
  clearTimeout(timer);
  if (how === 'killed') {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  return how;
}
