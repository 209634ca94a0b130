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
  try {
    return await byCommand();
  } catch (error) {
    const probe = await tcpProbe(target.host, target.port, target.probeTimeoutMs);
    if (probe === 'refused') return 'absent';
    if (!target.command) throw new FenceFailedError(target.entityId, `${target.host}:${target.port} ${probe === 'open' ? 'accepts connections but does not answer' : 'does not answer'} (${(error as Error).message}) and no fence command is configured`);
  }
  await runFenceCommand(target.command, { id: target.entityId, host: target.host, port: target.port }, target.commandTimeoutMs, signal);
  return 'command';
}
