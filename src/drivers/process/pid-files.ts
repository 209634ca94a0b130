import { readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { makeDirectorySync } from '../../core/make-directory.js';

/** What homeostat writes for each process it starts, so that a later run can find it after a crash. */
export const pidRecordSchema = z.object({
  entity: z.string(),
  /** The process-group it is a member of. */
  group: z.string().optional(),
  index: z.number().int().optional(),
  port: z.number().int().optional(),
  version: z.string(),
  pid: z.number().int().positive(),
  /** Start time in clock ticks after boot (from /proc): guards against a reused pid. */
  startTicks: z.number(),
  /** Hash of what was started (command, args, env, cwd): a changed blueprint is not adopted. */
  hash: z.string(),
  command: z.string(),
  /** Wall-clock ms when it started (for people reading the file). */
  startedAt: z.number(),
});

/** One pid file's content. */
export type PidRecord = z.infer<typeof pidRecordSchema>;

/** The pid files of one state directory: `<stateDir>/pids/<entity>.json`, written atomically. */
export class PidFiles {
  readonly dir: string;

  /** @param stateDir the state directory; its `pids` folder is created when missing */
  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'pids');
    makeDirectorySync(this.dir);
  }

  /** Writes (replaces) an entity's record, through a rename so a crash never leaves half a file. */
  write(record: PidRecord): void {
    const file = this.file(record.entity);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  /** The record of an entity; undefined when there is none or it is unreadable (then it is removed). */
  read(entity: string): PidRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(entity), 'utf8');
    } catch {
      return undefined;
    }
    const parsed = pidRecordSchema.safeParse(safeJson(text));
    if (!parsed.success) this.remove(entity);
    return parsed.success ? parsed.data : undefined;
  }

  /** Removes an entity's record (no error when there is none). */
  remove(entity: string): void {
    rmSync(this.file(entity), { force: true });
  }

  /** Every readable record. */
  list(): PidRecord[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => this.read(f.slice(0, -'.json'.length)) ?? []);
  }

  private file(entity: string): string {
    return path.join(this.dir, `${entity}.json`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
