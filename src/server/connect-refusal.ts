import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';

const BODY = `${JSON.stringify({ error: 'CONNECT is not served: this is the homeostat API, not a proxy' })}\n`;

/**
 * The answer to a CONNECT request: 405 with an empty `Allow` (no resource here takes CONNECT), a short JSON body
 * and `Connection: close`.
 */
export const CONNECT_REFUSAL = ['HTTP/1.1 405 Method Not Allowed', 'Allow: ', 'Content-Type: application/json; charset=utf-8', `Content-Length: ${Buffer.byteLength(BODY)}`, 'Connection: close', '', BODY].join('\r\n');

/**
 * Answers every CONNECT request on `servers` at once with {@link CONNECT_REFUSAL} and closes its connection. Node
 * hands a CONNECT request to the server's `connect` event, never to fastify: with no listener the connection is
 * closed with no answer at all, and a client (or a proxy in front) is left to guess why.
 */
export function refuseConnect(servers: readonly Server[]): void {
  for (const server of servers) server.on('connect', answer);
}

function answer(_request: IncomingMessage, socket: Duplex): void {
  // the socket is no longer the HTTP server's: a client that resets it must not raise an unhandled 'error'
  socket.on('error', () => socket.destroy());
  // written, then closed whatever the client does with its side (an HTTP server's sockets stay half open)
  socket.end(CONNECT_REFUSAL, () => socket.destroy());
}
