import { readFileSync, readdirSync } from 'node:fs';

/**
 * Readers of Linux /proc. Clock ticks are taken as 100 per second (USER_HZ, the same on every mainstream
 * Linux build); memory comes from VmRSS in kB, so the page size does not matter.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat homeostat uses. */
export interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z (zombie), T, ... */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  /** CPU time in user and kernel mode, in clock ticks. */
  readonly cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, it names one process for good (pids are reused). */
  readonly startTicks: number;
}

/** Reads /proc/<pid>/stat; undefined when the process does not exist. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number): number => Number(fields[n - 3]);
  return { pid, state: fields[0] ?? '?', ppid: field(4), pgid: field(5), cpuTicks: field(14) + field(15), startTicks: field(22) };
}

/** Resident memory of a process in bytes (VmRSS); undefined when it is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

/** True when the process runs (not a zombie) and, when given, started at `startTicks` (so it is the same one). */
export function isRunning(pid: number, startTicks?: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && (startTicks === undefined || stat.startTicks === startTicks);
}

/** Every process whose parent is `pid`, found by scanning /proc. */
export function childrenOf(pid: number): ProcStat[] {
  const found: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat?.ppid === pid) found.push(stat);
  }
  return found;
}

/** Every process in process group `pgid`. */
export function groupMembers(pgid: number): ProcStat[] {
  const found: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat?.pgid === pgid && stat.state !== 'Z') found.push(stat);
  }
  return found;
}
