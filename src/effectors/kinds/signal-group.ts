/**
 * Sends a signal to a process group: every process a command started, not just the first. Only the group is
 * signalled, never the pid alone: the processes signalled here are spawned as group leaders, so when no group
 * `pid` is left the leader has exited and been reaped, and its pid may belong to an unrelated process by now.
 * @returns false when no process of the group is left (or it may not be signalled)
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group `pgid` is left (the leader may be gone). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How often the group is looked at while its leader is gone and the rest may still run. */
const GROUP_POLL_MS = 50;

/**
 * SIGTERM to the group now, SIGKILL to the group after `graceMs` unless the leader has exited (`exited`
 * resolves) and no other process of the group is left by then: a child that ignores SIGTERM, its output
 * sent elsewhere, is not left running after the command it belongs to has exited. The grace timer is a
 * real-time I/O timeout, not loop time: a process ignores virtual time.
 */
export async function terminateGroup(pid: number, graceMs: number, exited: Promise<unknown>): Promise<'terminated' | 'killed'> {
  if (!signalGroup(pid, 'SIGTERM')) return 'terminated';
  const deadline = performance.now() + graceMs;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'killed'>((resolve) => (timer = setTimeout(() => resolve('killed'), graceMs)));
  let how = await Promise.race([exited.then(() => 'terminated' as const), grace]);
  clearTimeout(timer);
  // the leader is gone; its group may not be (the group id stays in use while any member lives)
  while (how === 'terminated' && groupAlive(pid)) {
    if (performance.now() >= deadline) how = 'killed';
    else await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
  if (how === 'killed') {
    // after the leader's exit its pid may be reused: only the group is signalled then, never the pid alone
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
    await exited;
  }
  return how;
}
