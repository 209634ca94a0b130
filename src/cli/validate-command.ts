import { BlueprintError, formatProblem } from '../blueprint/problems.js';
import { counted } from './counted.js';
import { loadBlueprint } from '../blueprint/load.js';
import type { Blueprint } from '../blueprint/resolved.js';
import { allNodes } from '../blueprint/cross-checks.js';
import { describeError } from '../core/errors.js';
import { intervalSchema } from '../core/duration.js';
import { watchProcessFaults } from './process-faults.js';
import { printFaults, VALIDATE_FAULT_WORDS } from './fault-telling.js';

/** Output streams, injectable for tests. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Environment variable that sets how long each policy module may take to load (e.g. `30s`; default 10 s). */
export const MODULE_TIMEOUT_ENV = 'HOMEOSTAT_MODULE_LOAD_TIMEOUT';

/** The module load timeout from the environment: ms, undefined when unset, or a message when invalid. */
export function moduleTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined | { readonly error: string } {
  const raw = env[MODULE_TIMEOUT_ENV]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const parsed = intervalSchema.safeParse(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw);
  return parsed.success ? parsed.data : { error: `${MODULE_TIMEOUT_ENV}: ${parsed.error.issues[0]?.message ?? 'not a duration'}` };
}

/** Loads a blueprint, printing every problem as `<file>:<line>:<col>: <message>`; undefined when invalid. */
export async function loadOrReport(file: string, io: Io): Promise<Blueprint | undefined> {
  const timeout = moduleTimeoutFromEnv();
  if (typeof timeout === 'object') {
    io.err(`${file}:1:1: ${timeout.error}`);
    return undefined;
  }
  try {
    return await loadBlueprint(file, timeout === undefined ? {} : { moduleLoadTimeoutMs: timeout });
  } catch (error) {
    if (error instanceof BlueprintError) for (const problem of error.problems) io.err(formatProblem(problem));
    else io.err(`${file}:1:1: ${describeError(error)}`);
    return undefined;
  }
}

/** Options of `homeostat validate`. */
export interface ValidateOptions {
  /**
   * Takes the process' uncaught exceptions and unhandled rejections while the modules load, telling each on
   * stderr with its stack (see `watchProcessFaults`): after an uncaught exception the blueprint is not valid
   * (exit 1); an unhandled rejection is told, and does not change the answer. The CLI sets it. Default false.
   */
  readonly catchProcessFaults?: boolean;
}

/** `homeostat validate <blueprint>`: exit 0 when valid, 1 with every problem on stderr. */
export async function validateCommand(file: string, io: Io, options: ValidateOptions = {}): Promise<number> {
  const faults = options.catchProcessFaults ? watchProcessFaults(printFaults(io.err), VALIDATE_FAULT_WORDS) : undefined;
  let blueprint: Blueprint | undefined;
  try {
    blueprint = await loadOrReport(file, io);
  } finally {
    faults?.release();
  }
  if (faults?.failure !== undefined) {
    io.err(`${file}: not valid: ${faults.failure}`);
    return 1;
  }
  if (!blueprint) return 1;
  const nodes = [...allNodes(blueprint.root)];
  const policies = nodes.reduce((n, node) => n + node.policies.length, 0);
  io.out(`${file}: valid blueprint '${blueprint.name}' (${counted(nodes.filter((n) => n.id).length, 'entity', 'entities')}, ${counted(policies, 'policy', 'policies')})`);
  return 0;
}
