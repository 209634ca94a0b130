import { HomeostatError } from '../core/errors.js';

/**
 * One fault or operation a simulation injects at `at` seconds:
 * - `fail`: the entity and its subtree go down and stay down (restarts included) until a `recover`;
 * - `recover`: the fault is cleared; drivers bring the entity back at their next health check or restart;
 * - `lag`: the replica reports `seconds` of replication lag from then on;
 * - `fence-fails`: fencing the entity fails from then on (an unreachable node that cannot be fenced);
 * - `partition`: a database is cut off from homeostat and from its group but keeps running and keeps taking
 *   the writes of its clients: homeostat reads nothing from it (its polls fail: `service.up` false, its other
 *   readings go stale) and every effector on it fails as unreachable, fencing included (the cut takes the
 *   fencing path too; a power fence over a network that still reaches the node is a `fail` instead);
 * - `heal`: the partition ends; homeostat reads the node again at its next poll, in whatever role it holds;
 * - `invoke`: a person invokes an effector, through the engine (arbitrated like the API's calls).
 */
export type FaultEvent =
  | { readonly kind: 'fail' | 'recover' | 'fence-fails' | 'partition' | 'heal'; readonly entity: string; readonly at: number }
  | { readonly kind: 'lag'; readonly entity: string; readonly at: number; readonly seconds: number }
  | { readonly kind: 'invoke'; readonly entity: string; readonly at: number; readonly effector: string; readonly params: Readonly<Record<string, unknown>> };

/** A fault flag of `homeostat simulate` that could not be read. */
export class FaultSyntaxError extends HomeostatError {
  constructor(flag: string, text: string, expected: string) {
    super('E_FAULT_SYNTAX', `${flag} '${text}': expected ${expected}`);
  }
}

const ID = '[A-Za-z0-9][A-Za-z0-9_.-]*';
const AT = '@(\\d+(?:\\.\\d+)?)';
const PLAIN = new RegExp(`^(${ID})${AT}$`);
const LAG = new RegExp(`^(${ID})=(\\d+(?:\\.\\d+)?)${AT}$`);
/** Largest time or lag a flag takes (s): past it a decimal number is no longer read exactly, then as Infinity. */
const MAX_FLAG_SECONDS = 1e15;

const INVOKE = new RegExp(`^(${ID}):([A-Za-z][A-Za-z0-9_]*)(?::(\\{.*\\}))?${AT}$`);

/** The command-line flags of each kind, with what each expects. */
export const FAULT_FLAGS = {
  fail: { flag: '--fail', expected: '<entity>@<seconds>, e.g. web-2@120' },
  recover: { flag: '--recover', expected: '<entity>@<seconds>, e.g. web-2@300' },
  'fence-fails': { flag: '--fence-fails', expected: '<entity>@<seconds>, e.g. db-1@0' },
  partition: { flag: '--partition', expected: '<entity>@<seconds>, e.g. db-1@60' },
  heal: { flag: '--heal', expected: '<entity>@<seconds>, e.g. db-1@120' },
  lag: { flag: '--lag', expected: '<entity>=<seconds of lag>@<seconds>, e.g. db-2=30@100' },
  invoke: { flag: '--invoke', expected: '<entity>:<effector>[:<JSON params>]@<seconds>, e.g. web:rollingUpdate:{"version":"2"}@300' },
} as const;

/**
 * Reads one fault flag's value.
 * @throws FaultSyntaxError saying which flag and what it expects; HomeostatError E_FAULT_SYNTAX for a time or
 * lag past 1e15 s (400 digits read as Infinity)
 */
export function parseFaultEvent(kind: FaultEvent['kind'], text: string): FaultEvent {
  const { flag, expected } = FAULT_FLAGS[kind];
  const fail = (): never => {
    throw new FaultSyntaxError(flag, text, expected);
  };
  const seconds = (digits: string | undefined, what: string): number => {
    const value = Number(digits);
    if (value <= MAX_FLAG_SECONDS) return value;
    throw new HomeostatError('E_FAULT_SYNTAX', `${flag} '${text}': ${what} is too large (at most 1e15 s)`);
  };
  if (kind === 'lag') {
    const m = LAG.exec(text) ?? fail();
    return { kind, entity: m[1] as string, seconds: seconds(m[2], 'the lag'), at: seconds(m[3], 'the time') };
  }
  if (kind === 'invoke') {
    const m = INVOKE.exec(text) ?? fail();
    let params: unknown = {};
    try {
      params = m[3] === undefined ? {} : JSON.parse(m[3]);
    } catch {
      fail();
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) fail();
    return { kind, entity: m[1] as string, effector: m[2] as string, params: params as Record<string, unknown>, at: seconds(m[4], 'the time') };
  }
  const m = PLAIN.exec(text) ?? fail();
  return { kind, entity: m[1] as string, at: seconds(m[2], 'the time') };
}

/** The flag and value that inject one event, e.g. `['--lag', 'db-2=30@100']`. */
export function faultFlag(event: FaultEvent): [string, string] {
  const flag = FAULT_FLAGS[event.kind].flag;
  switch (event.kind) {
    case 'lag':
      return [flag, `${event.entity}=${event.seconds}@${event.at}`];
    case 'invoke':
      return [flag, `${event.entity}:${event.effector}${Object.keys(event.params).length > 0 ? `:${JSON.stringify(event.params)}` : ''}@${event.at}`];
    default:
      return [flag, `${event.entity}@${event.at}`];
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Events in time order; events at the same time keep their order (a stable sort), so a run is repeatable. */
export function inTimeOrder(events: readonly FaultEvent[]): FaultEvent[] {
  return events.map((e, i) => [e, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]).map(([e]) => e);
}
