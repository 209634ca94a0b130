import path from 'node:path';
import { z } from 'zod';
import { readTextFile } from '../../core/text-file-check.js';
import { feedCommonShape, type FeedKind } from './feed-kind.js';
import { SCAN_REPORT_FORMATS, parseScanReport } from './scan/scan-report.js';

/** Declaration of a `scan-report` feed: a scanner's JSON report read from a file on each poll. */
export const scanReportFeedSchema = z.strictObject({
  kind: z.literal('scan-report'),
  ...feedCommonShape,
  /** The report file (Trivy JSON, Grype JSON or OSV), relative to the working directory; rewritten by each scan. */
  path: z.string().min(1),
  /** `auto` (default) tells the formats apart by their top-level fields. */
  format: z.enum(SCAN_REPORT_FORMATS).default('auto'),
});

/**
 * The largest report read: a scan of a large image with every package listed is tens of MiB. A report is read
 * whole and parsed on every poll, and a file past this (a scanner writing in a loop, a wrong path) would hold
 * several times its size in memory at each one.
 */
export const MAX_SCAN_REPORT_BYTES = 128 * 1024 * 1024;

/** A parsed declaration. */
export type ScanReportFeedDecl = z.output<typeof scanReportFeedSchema>;

/**
 * The `scan-report` feed kind: reads a scanner's report file and publishes its findings (a list, see
 * `Finding`) to a `json` sensor, for the `remediation` policy. A missing file, one that is not a regular file
 * (a FIFO, a device, a directory) or is past `MAX_SCAN_REPORT_BYTES`, or a malformed report is a failed poll
 * that says why (file, format, path in the document); the last good findings stay until stale.
 */
export const scanReportFeed: FeedKind<ScanReportFeedDecl> = {
  name: 'scan-report',
  description: 'read a scanner report file (Trivy JSON, Grype JSON, OSV) into a findings sensor',
  schema: scanReportFeedSchema,
  create(decl, entity) {
    const file = path.resolve(decl.path);
    return async (signal) => {
      let text: string;
      try {
        // a FIFO is refused before its open, which would wait for a writer holding a thread of Node's pool
        text = await readTextFile(file, { maxBytes: MAX_SCAN_REPORT_BYTES, pipes: false, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
      }
      try {
        return { samples: [{ entity, value: parseScanReport(text, decl.format) }], missing: [] };
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
      }
    };
  },
};
