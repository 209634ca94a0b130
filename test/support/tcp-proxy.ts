import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  selected: boolean;
  seen: string;
  readonly queue: Array<{ to: Socket; data: Buffer }>;
}

/**
 * A TCP proxy of the test's own on a free port, to cut a link the way a network does: `hold()` stops
 * forwarding on the connections that `matches` picks (by the first bytes the client sent), without closing
 * them, so both ends think the link is up while nothing flows; `release()` lets the held bytes through.
 */
export class TcpProxy {
  private held = false;
  private cutPattern: string | undefined;
  private readonly links = new Set<Link>();

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Starts a proxy to 127.0.0.1:`target`; `matches` picks the connections `hold` affects (all by default). */
  static async start(target: number, matches: (firstBytes: string) => boolean = () => true): Promise<TcpProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new TcpProxy(server, port);
    server.on('connection', (client) => proxy.accept(client, target, matches));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  private accept(client: Socket, target: number, matches: (firstBytes: string) => boolean): void {
    const upstream = connect(target, '127.0.0.1');
    const link: Link = { client, upstream, selected: false, queue: [], seen: '' };
    this.links.add(link);
    const forward = (to: Socket, data: Buffer): void => {
      if (this.held && link.selected) link.queue.push({ to, data });
      else to.write(data);
    };
    client.on('data', (data) => {
      if (link.seen.length < 4096) {
        link.seen += data.toString('latin1');
        link.selected ||= matches(link.seen);
      }
      forward(upstream, data);
      // the command went through; its answer (and everything after it) is held, as when a link fails just then
      if (this.cutPattern !== undefined && link.selected && data.toString('latin1').includes(this.cutPattern)) {
        this.cutPattern = undefined;
        this.held = true;
      }
    });
    upstream.on('data', (data) => forward(client, data));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  /** Stops forwarding on the selected connections (bytes are kept, not dropped). */
  hold(): void {
    this.held = true;
  }

  /**
   * Holds every selected connection right after a client sends bytes containing `pattern` (those bytes are
   * delivered): the server carries out the command but its answer never comes, until `release()`.
   */
  cutAfter(pattern: string): void {
    this.cutPattern = pattern;
  }

  /** Forwards what was held and resumes. */
  release(): void {
    this.held = false;
    for (const link of this.links) for (const { to, data } of link.queue.splice(0)) to.write(data);
  }

  /** Closes the proxy and every connection through it. */
  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
