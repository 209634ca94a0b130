// The run's log on standard output never holds up the loops: a reader that stalls delays the log (bounded,
// lines past the bound dropped and counted), and everything is written in order once it reads again.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_LOG_BYTES, StdoutLog } from '../../src/cli/stdout-log.js';

const burst = path.join(import.meta.dirname, 'fixtures/log-burst.ts');

describe('the run log on standard output', () => {
  for (const format of ['json', 'human'] as const) {
    it(`keeps the event loop turning while the reader of a ${format} log has stopped reading`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', burst, format], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pause(); // the reader stalls: the pipe is full after 64 KB of the ~1 MB burst
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // the child ends itself once its timer has run 20 times after the burst: a blocked loop never gets there
      const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
      clearTimeout(watchdog);
      expect(stderr).toContain('burst logged');
      expect(stderr).toContain('ticks 20');
      expect(code).toBe(0);
    }, 30_000);
  }

  it('writes every line in order once the reader reads again; past the bound it drops lines, then says how many', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'homeostat-stdout-log-'));
    try {
      // a real pipe of the OS (a FIFO), both ends non-blocking: a full pipe answers EAGAIN, as a stalled stdout can
      const fifo = path.join(dir, 'log');
      execFileSync('mkfifo', [fifo]);
      const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeEnd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      const log = new StdoutLog((count) => `dropped ${count}\n`, writeEnd);
      const line = (i: number): string => `${String(i).padStart(8, '0')} ${'y'.repeat(1015)}\n`; // 1 KiB
      const total = MAX_PENDING_LOG_BYTES / 1024 + 2000; // nobody reads meanwhile: about 2,000 lines too many
      for (let i = 0; i < total; i++) log.write(line(i));
      log.write(line(total)); // still dropped: nothing was read yet
      let text = '';
      const buffer = Buffer.alloc(1 << 16);
      /** The reader reads what the pipe holds now. */
      const drain = (): void => {
        for (;;) {
          let read = 0;
          try {
            read = readSync(readEnd, buffer, 0, buffer.length, null);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          }
          if (read <= 0) return;
          text += buffer.toString('utf8', 0, read);
        }
      };
      /** Reads on each turn of the event loop until the log says everything queued is written. */
      const readUntilFlushed = async (): Promise<void> => {
        let flushed = false;
        log.flush(() => (flushed = true));
        while (!flushed) {
          drain();
          await new Promise((resolve) => setImmediate(resolve));
        }
        drain();
      };
      await readUntilFlushed();
      log.write(line(total + 1)); // after the drops: the notice first, then this line
      await readUntilFlushed();
      closeSync(readEnd);
      closeSync(writeEnd);
      const lines = text.split('\n').filter(Boolean);
      const kept = lines.filter((l) => !l.startsWith('dropped')).map((l) => Number(l.slice(0, 8)));
      // what was kept is a prefix of what was written, in order, then the last line; the notice between them
      expect(kept.slice(0, -1)).toEqual(Array.from({ length: kept.length - 1 }, (_, i) => i));
      expect(kept.at(-1)).toBe(total + 1);
      const notices = lines.filter((l) => l.startsWith('dropped'));
      expect(notices).toEqual([`dropped ${total + 1 - (kept.length - 1)}`]);
      expect(lines.indexOf(notices[0] as string)).toBe(lines.length - 2);
      // everything held while nobody read, the write under way included, stayed within the bound
      expect(kept.length - 1).toBeGreaterThan(MAX_PENDING_LOG_BYTES / 1024 - 10);
      expect((kept.length - 1) * 1024).toBeLessThanOrEqual(MAX_PENDING_LOG_BYTES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
