import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startService, type ServiceProcess } from './service-process.js';

let service: ServiceProcess | undefined;
afterEach(() => {
  // a test that failed before its SIGTERM leaves no process behind
  if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
  service = undefined;
});

/** Opens an SSE stream and resolves once its first chunk arrived; `ended` resolves when the server ends it. */
async function openStream(url: string): Promise<{ ended: Promise<void> }> {
  const response = await fetch(`${url}/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  const ended = (async () => {
    for (;;) {
      try {
        if ((await reader.read()).done) return;
      } catch {
        return; // the connection was cut: ended too
      }
    }
  })();
  return { ended };
}

/** Makes one request on a keep-alive agent, leaving its socket open and idle. */
function keepAliveRequest(url: string, agent: http.Agent, method = 'GET', route = '/health'): Promise<{ status: number | undefined; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${route}`, { agent, method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => {
        const socket = request.socket;
        resolve({ status: response.statusCode, closed: new Promise((done) => (socket?.destroyed ? done() : socket?.once('close', () => done()))) });
      });
    });
    request.on('error', reject);
    request.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('homeostat run: stopping with clients connected', () => {
  it('on SIGTERM closes SSE streams, ends keep-alive sockets and exits well within the default grace', async () => {
    service = await startService([]);
    const streams = await Promise.all([openStream(service.url), openStream(service.url)]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idle = await keepAliveRequest(service.url, agent);
    expect(idle.status).toBe(200);
    const sentAt = Date.now();
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    const elapsed = exit.at - sentAt;
    await Promise.all(streams.map((s) => s.ended));
    await idle.closed;
    expect(exit.code).toBe(0);
    expect(elapsed).toBeLessThan(5_000); // the default grace is 10 s; nothing should need it
    expect(service.stdout()).toContain('stopped cleanly');
    agent.destroy();
  });

  it('caps an effector still in flight by --stop-grace: the invocation is aborted and the process exits within the grace, with 1', async () => {
    service = await startService(['--stop-grace', '2']);
    const stream = await openStream(service.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // the restart of `slow` boots for 10 minutes: answered 202 at once (wait=0), it is surely in flight
    const started = await fetch(`${service.url}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(started.status).toBe(202);
    // a second request waits on the same entity (up to 10 minutes) on a keep-alive socket
    const waiting = keepAliveRequest(service.url, agent, 'POST', '/entities/slow/effectors/restart?wait=600000');
    const sentAt = Date.now();
    service.child.kill('SIGTERM');
    const answered = await waiting; // answered at once when stopping starts (202, or 503 if it arrived after), so its socket can close
    expect([202, 503]).toContain(answered.status);
    await answered.closed;
    const exit = await service.exited;
    const elapsed = exit.at - sentAt;
    await stream.ended;
    expect(elapsed).toBeGreaterThanOrEqual(1_000); // the effector got (most of) the grace
    expect(elapsed).toBeLessThan(2_000 + 3_000); // and no more than the grace, with room for process exit
    // the stop finished, but only by aborting the effector at the grace: work was cut short, and it says so
    expect(exit.code).toBe(1);
    // a second restart the service took (202) waited behind the first on its entity: the stop aborted it too
    const aborted = answered.status === 202 ? '2 effectors in flight (restart on slow, running ' : '1 effector in flight (restart on slow, running ';
    expect(service.stderr()).toContain(`passed with effectors still running, so they were aborted: ${aborted}`);
    expect(service.stdout()).toMatch(/stopping \(grace 2 s\)/);
    agent.destroy();
  });
});

