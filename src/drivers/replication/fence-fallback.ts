import { FenceFailedError, runFenceCommand } from './fence-command.js';
import { tcpProbe } from './tcp-probe.js';

/** Where a server is and how it may be fenced when it does not answer. */
export interface FenceTarget {
  readonly entityId: string;
  readonly host: string;
  readonly port: number;
  /** How long the TCP probe waits. */
  readonly probeTimeoutMs: number;
  /** The STONITH hook, if any, and how long it may take. */
  readonly command?: readonly string[];
  readonly commandTimeoutMs: number;
}

/**
 * Fences a server: by `byCommand` (the database's own commands) when it answers; counted fenced (`absent`)
 * when the host says nothing listens on the port; by the STONITH hook when it does not answer at all.
 * @throws FenceFailedError when it cannot be reached and no fence command succeeded
 */
export async function fenceWithFallback<How extends string>(target: FenceTarget, byCommand: () => Promise<How>, signal: AbortSignal): Promise<How | 'absent' | 'command'> {
  // probed while the commands are tried, not after they time out: a paused server (the failover's usual
  // case) costs one timeout before the fence command, not two
  const startedAt = performance.now();
  const probing = tcpProbe(target.host, target.port, target.probeTimeoutMs);
  try {
    return await byCommand();
  } catch (error) {
    const early = await probing;
    // commands that ran long (a shutdown that failed) may have outlived what the early probe saw: probe again
    const probe = early !== 'refused' && performance.now() - startedAt > 2 * target.probeTimeoutMs ? await tcpProbe(target.host, target.port, target.probeTimeoutMs) : early;
    if (probe === 'refused') return 'absent';
    if (!target.command) throw new FenceFailedError(target.entityId, `${target.host}:${target.port} ${probe === 'open' ? 'accepts connections but does not answer' : 'does not answer'} (${(error as Error).message}) and no fence command is configured`);
  }
  await runFenceCommand(target.command, { id: target.entityId, host: target.host, port: target.port }, target.commandTimeoutMs, signal);
  return 'command';
}
