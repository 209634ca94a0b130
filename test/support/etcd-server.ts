import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An etcd of the test's (or benchmark's) own: one member, its own data folder, client and peer ports free on 127.0.0.1. Ended by its own PID. */
export class TestEtcd {
  private constructor(readonly clientPort: number, private readonly child: ChildProcess, private readonly dir: string) {}

  /** Starts it and waits until it answers /health. */
  static async start(): Promise<TestEtcd> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'homeostat-etcd-'));
    const clientPort = await freePort();
    const peerPort = await freePort();
    const peer = `http://127.0.0.1:${peerPort}`;
    const client = `http://127.0.0.1:${clientPort}`;
    const child = spawn('etcd', ['--name', 'solo', '--data-dir', path.join(dir, 'data'), '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `solo=${peer}`, '--log-level', 'error'], { stdio: 'ignore' });
    const etcd = new TestEtcd(clientPort, child, dir);
    for (let i = 0; i < 200; i++) {
      const healthy = await fetch(`${client}/health`, { signal: AbortSignal.timeout(500) }).then((r) => r.ok, () => false);
      if (healthy) return etcd;
      await sleep(100);
    }
    await etcd.stop();
    throw new Error(`etcd did not answer on ${client} within 20 s`);
  }

  /** Kills it (by its own pid) and removes its data. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const ended = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await ended;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
