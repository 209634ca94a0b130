import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server on a free loopback port that speaks just enough RESP to look like Redis to a client's
 * handshake (INFO answers a ready Redis, anything else `+OK`) but leaves the commands named in `unanswered`
 * without a reply: a Redis that connects and then hangs on a command. Closed with `close()`, which destroys
 * the connections it holds.
 */
export class RespStubServer {
  private constructor(private readonly server: Server, private readonly sockets: Set<Socket>, readonly port: number) {}

  static async start(unanswered: readonly string[]): Promise<RespStubServer> {
    const silent = new Set(unanswered.map((name) => name.toUpperCase()));
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        for (let parsed = nextCommand(pending); parsed; parsed = nextCommand(pending)) {
          pending = pending.slice(parsed.length);
          const name = parsed.args[0]?.toUpperCase() ?? '';
          if (silent.has(name)) continue;
          socket.write(name === 'INFO' ? bulk('# Server\r\nredis_version:7.0.0\r\nloading:0\r\n') : '+OK\r\n');
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the RESP stub server has no TCP address');
    return new RespStubServer(server, sockets, address.port);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function bulk(text: string): string {
  return `$${Buffer.byteLength(text, 'latin1')}\r\n${text}\r\n`;
}

/** The first whole command (a RESP array of bulk strings) in `input` and its length, or undefined when incomplete. */
function nextCommand(input: string): { args: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(input);
  if (!header) return undefined;
  let at = header[0].length;
  const args: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const size = /^\$(\d+)\r\n/.exec(input.slice(at));
    if (!size) return undefined;
    const start = at + size[0].length;
    const end = start + Number(size[1]);
    if (input.length < end + 2) return undefined;
    args.push(input.slice(start, end));
    at = end + 2;
  }
  return { args, length: at };
}
