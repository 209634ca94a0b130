// An embedder's `serve({ alertmanager: { tokenFile } })` reads only a regular file of at most 64 KiB: a device
// was read whole with readFileSync (/dev/zero until the process aborted out of memory), a FIFO with no writer
// blocked the start for ever. Now each is refused at once, naming the setting, the file and why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

let deployment: Deployment;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'homeostat-token-file-'));
  const blueprint = await parseBlueprint('name: tokens\napplication:\n  id: app\n', path.resolve('tokens.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
  deployment.start();
});

afterAll(async () => {
  await deployment.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('serve, the Alertmanager receiver\'s tokenFile', () => {
  it('refuses a device, naming the setting and the file', async () => {
    await expect(serve(deployment, { port: 0, alertmanager: { tokenFile: '/dev/zero' } })).rejects.toThrow("the Alertmanager receiver's tokenFile '/dev/zero': cannot read the token: it is a device, not a file");
  });

  it('refuses a FIFO rather than wait for a writer', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(serve(deployment, { port: 0, alertmanager: { tokenFile: fifo } })).rejects.toThrow(`'${fifo}': cannot read the token: it is a FIFO (a named pipe), not a file`);
  });

  it('refuses a file past 64 KiB', async () => {
    const big = path.join(dir, 'big');
    await writeFile(big, 'x'.repeat(65 * 1024));
    await expect(serve(deployment, { port: 0, alertmanager: { tokenFile: big } })).rejects.toThrow(/cannot read the token: it is 0\.1 MiB, more than the 0\.1 MiB/);
  });
});
