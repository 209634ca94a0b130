// A scan-report feed read its file with readFile: a FIFO nobody writes blocked each poll's open on a thread of
// Node's pool (no abort frees it), four polls took every thread and the whole process stalled (other feeds, the
// log, the stop); a 700 MB file took 2 GB and failed as a bare "Invalid string length". Anything but a regular
// file, and a file past the bound, is now a failed poll naming the file and why, before it is opened.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityTree } from '../../../../src/core/entity-tree.js';
import { VirtualClock } from '../../../../src/testing/virtual-clock.js';
import { MAX_SCAN_REPORT_BYTES, scanReportFeed, scanReportFeedSchema } from '../../../../src/sensors/feeds/scan-report-feed.js';

describe('the scan-report feed reads only a regular file of bounded size', () => {
  let scratch: string;
  const entity = new EntityTree(new VirtualClock()).add({ id: 'svc', type: 'entity' });
  const readerOf = (file: string) => scanReportFeed.create(scanReportFeedSchema.parse({ kind: 'scan-report', sensor: 'findings', path: file }), entity, {} as never);
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'homeostat-scan-'));
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('refuses a FIFO without opening it (the open would wait for a writer)', async () => {
    const fifo = path.join(scratch, 'report.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readerOf(fifo)(new AbortController().signal)).rejects.toThrow(`${fifo}: it is a FIFO (a named pipe), not a file: opening it would wait for a writer`);
  });

  it('refuses a file past the bound, a device and a directory, naming the file and why', async () => {
    const huge = path.join(scratch, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, MAX_SCAN_REPORT_BYTES + 1024 * 1024);
    await expect(readerOf(huge)(new AbortController().signal)).rejects.toThrow(`${huge}: it is 129 MiB, more than the 128 MiB of text it may be`);
    await expect(readerOf('/dev/zero')(new AbortController().signal)).rejects.toThrow('/dev/zero: it is a device, not a file');
    await expect(readerOf(scratch)(new AbortController().signal)).rejects.toThrow(`${scratch}: it is a directory, not a file`);
    await expect(readerOf(path.join(scratch, 'none.json'))(new AbortController().signal)).rejects.toThrow(`${path.join(scratch, 'none.json')}: no such file`);
  });

  it('still reads a regular report', async () => {
    const report = path.join(scratch, 'trivy.json');
    await copyFile(path.join(import.meta.dirname, 'fixtures', 'trivy-image.json'), report);
    const result = await readerOf(report)(new AbortController().signal);
    expect((result.samples[0]?.value as unknown[]).length).toBeGreaterThan(0);
  });
});
