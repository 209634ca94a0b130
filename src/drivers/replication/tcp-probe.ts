import { connect } from 'node:net';

/**
 * What a TCP connect to a server found: `open` (something accepted; a stopped process still completes the
 * handshake through the kernel's backlog), `refused` (the host answered that nothing listens), or `silent`
 * (no answer within the timeout, or the host is unreachable: nothing can be concluded about the server).
 */
export type TcpProbe = 'open' | 'refused' | 'silent';

/** Connects to host:port once and reports what it found within `timeoutMs`. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<TcpProbe> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: TcpProbe): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('silent'));
    socket.once('connect', () => done('open'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : 'silent'));
  });
}
