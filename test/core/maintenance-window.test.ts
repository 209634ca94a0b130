import { describe, expect, it } from 'vitest';
import { cronProblem, describeVerdict, maintenanceWindowSchema, windowVerdict } from '../../src/core/maintenance-window.js';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const windows = (...w: unknown[]) => w.map((x) => maintenanceWindowSchema.parse(x));

describe('maintenance windows', () => {
  const nightly = windows({ cron: '0 2 * * 1-5', duration: '2h' }); // 02:00-04:00 on weekdays

  it('is open from each firing for its duration, and closed outside', () => {
    expect(windowVerdict(nightly, at('2026-11-30T01:59:59Z'))).toEqual({ open: false, opensAt: at('2026-11-30T02:00:00Z') });
    expect(windowVerdict(nightly, at('2026-11-30T02:00:00Z'))).toMatchObject({ open: true, closesAt: at('2026-11-30T04:00:00Z') });
    expect(windowVerdict(nightly, at('2026-11-30T03:59:59.999Z')).open).toBe(true);
    expect(windowVerdict(nightly, at('2026-11-30T04:00:00Z'))).toEqual({ open: false, opensAt: at('2026-12-01T02:00:00Z') });
    // Saturday: the next window is Monday's
    expect(windowVerdict(nightly, at('2026-12-05T02:30:00Z'))).toEqual({ open: false, opensAt: at('2026-12-07T02:00:00Z') });
  });

  it('with several windows it is open when any is, and names the soonest to open', () => {
    const two = windows({ cron: '0 2 * * *', duration: 3600 }, { cron: '30 0 * * *', duration: '10m' });
    expect(windowVerdict(two, at('2026-11-30T00:35:00Z'))).toMatchObject({ open: true, closesAt: at('2026-11-30T00:40:00Z') });
    expect(windowVerdict(two, at('2026-11-30T00:45:00Z'))).toEqual({ open: false, opensAt: at('2026-11-30T02:00:00Z') });
  });

  it('reads the expression in its time zone', () => {
    const berlin = windows({ cron: '0 2 * * *', duration: '1h', timezone: 'Europe/Berlin' });
    expect(windowVerdict(berlin, at('2026-11-30T01:30:00Z')).open).toBe(true); // 02:30 in Berlin (UTC+1)
    expect(windowVerdict(berlin, at('2026-11-30T02:30:00Z')).open).toBe(false);
  });

  it('no windows: always open; the verdicts read as sentences', () => {
    expect(windowVerdict([], 0)).toEqual({ open: true });
    expect(describeVerdict({ open: true })).toBe('no maintenance window declared');
    expect(describeVerdict(windowVerdict(nightly, at('2026-11-30T02:30:00Z')))).toBe("maintenance window '0 2 * * 1-5' open until 2026-11-30T04:00:00.000Z");
    expect(describeVerdict(windowVerdict(nightly, at('2026-11-30T05:00:00Z')))).toBe('outside every maintenance window; the next opens at 2026-12-01T02:00:00.000Z');
    expect(2 * HOUR).toBe(nightly[0]?.duration);
  });

  it('refuses bad expressions, dates that never come and unknown zones, at the field', () => {
    expect(cronProblem('0 25 * * *')?.field).toBe('cron');
    expect(cronProblem('0 0 30 2 *')).toEqual({ field: 'cron', message: "'0 0 30 2 *' never fires (no such date, e.g. 30 February)" });
    expect(cronProblem('0 2 * * *', 'Mars/Olympus')?.field).toBe('timezone');
    const parsed = maintenanceWindowSchema.safeParse({ cron: 'every night', duration: '1h' });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual(['cron']);
  });
});
