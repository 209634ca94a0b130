import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { HomeostatError, TerminalEffectorError } from '../../core/errors.js';
import { defineEffectorKind, type KindProblem } from './effector-kind.js';
import { OutputTail } from './output-tail.js';
import { scrubError, scrubSecrets } from '../../core/secret-ref.js';
import { readSecretValue, secretValueSchema } from './secret-value.js';
import { terminateGroup } from './signal-group.js';
import { spawnFailureReason, type SpawnAttempt } from '../../core/spawn-failure.js';
import { checkTemplate, renderTemplate } from './template.js';

/** Variables a command gets from homeostat's environment unless `inheritEnv` passes all of it. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

const execFields = z.strictObject({
  /** Program and arguments; each item is one argument, templates included (never split, never a shell). */
  argv: z.array(z.string(), { error: "argv is a list: the program and its arguments, e.g. [/usr/bin/drain, '{{params.node}}']" }).min(1),
  /** Extra variables: literal templates, or `{ env }` / `{ file }` for secrets. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), secretValueSchema).default({}),
  /** Pass homeostat's whole environment (default: only PATH, HOME, LANG, LC_ALL, TZ, TMPDIR, USER). */
  inheritEnv: z.boolean().default(false),
  cwd: z.string().min(1).optional(),
  /** After SIGTERM on abort or timeout, SIGKILL after this long. Default 5 s. */
  killGrace: durationSchema.default(5_000),
  /** Bytes of stdout and of stderr kept (the last ones). Default 64 KiB. */
  maxOutput: z.number().int().min(0).max(16 * 1024 * 1024).default(65_536),
  /** Exit codes that mean success. Default [0]. */
  successCodes: z.array(z.number().int().min(0).max(255)).min(1).default([0]),
});

/** How long output is read after the command exits, when a process it left running holds its stdout or stderr. */
const OUTPUT_AFTER_EXIT_MS = 500;

/** Fields of an `exec` effector declaration. */
export type ExecEffectorFields = z.output<typeof execFields>;

/** What a command run reports: kept in the invocation record on success and on failure. */
export interface ExecOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes of stdout / stderr not kept. */
  readonly truncated: { readonly stdout: number; readonly stderr: number };
}

/** A command that exited with a code not in `successCodes` (or died of a signal); retried when the effector is idempotent. */
export class ExecFailedError extends HomeostatError {
  constructor(program: string, readonly detail: ExecOutcome) {
    const how = detail.signal ? `was killed by ${detail.signal}` : `exited with ${detail.exitCode}`;
    const last = detail.stderr.trim().split('\n').at(-1) ?? '';
    super('E_EXEC_FAILED', `${program} ${how}${last ? `: ${last.slice(0, 300)}` : ''}`, { retryable: true });
  }
}

/**
 * `kind: exec`: runs a program with an argv template. Params become whole arguments (a param holding
 * `; rm -rf /` is one argument with those characters, as no shell ever reads it). On abort or timeout before
 * the command exits, its process group gets SIGTERM, then SIGKILL after `killGrace`. Once it has exited,
 * the exit code decides success: an abort then only ends the wait for output and signals nothing.
 */
export const execEffectorKind = defineEffectorKind<ExecEffectorFields>({
  kind: 'exec',
  description: 'runs a program; params become whole arguments, never shell text',
  fields: execFields,
  check: (fields, { known }) => {
    const problems: KindProblem[] = [];
    fields.argv.forEach((arg, i) => problems.push(...checkTemplate(arg, known).map((message) => ({ path: ['argv', i], message }))));
    if (fields.argv[0] !== undefined && fields.argv[0].trim() === '') problems.push({ path: ['argv', 0], message: 'the program is empty' });
    for (const [name, value] of Object.entries(fields.env)) if (typeof value === 'string') problems.push(...checkTemplate(value, known).map((message) => ({ path: ['env', name], message })));
    if (fields.cwd !== undefined) problems.push(...checkTemplate(fields.cwd, known).map((message) => ({ path: ['cwd'], message })));
    return problems;
  },
  create: (fields) => async (params, context) => {
    const { entity, signal, fencingToken } = context;
    const scope = { params, id: entity.id, config: entity.config };
    const [program, ...args] = fields.argv.map((arg) => renderTemplate(arg, scope));
    const env: Record<string, string> = {};
    for (const name of fields.inheritEnv ? Object.keys(process.env) : BASE_ENV) if (process.env[name] !== undefined) env[name] = process.env[name] as string;
    const secrets: string[] = [];
    for (const [name, source] of Object.entries(fields.env)) {
      if (typeof source === 'string') env[name] = renderTemplate(source, scope);
      else secrets.push((env[name] = await readSecretValue(source)).slice(source.prefix.length));
    }
    // several instances (--ha): the program can refuse a token lower than one it has seen
    if (fencingToken !== undefined) env['HOMEOSTAT_FENCING_TOKEN'] = String(fencingToken);
    const cwd = fields.cwd === undefined ? undefined : renderTemplate(fields.cwd, scope);
    if (signal.aborted) throw signal.reason;
    const attempt = { program: program as string, args, env, ...(cwd === undefined ? {} : { cwd }) };
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(program as string, args, { env, ...(cwd === undefined ? {} : { cwd }), stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    } catch (error) {
      // spawn throws at once for some failures (E2BIG: the arguments are too large) rather than emitting them
      throw spawnError(error as NodeJS.ErrnoException, attempt);
    }
    const stdout = new OutputTail(fields.maxOutput);
    const stderr = new OutputTail(fields.maxOutput);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let exitSeen = false;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code: number | null, sig: NodeJS.Signals | null) => {
      exitSeen = true;
      // the command's work is over: a timeout from now on only ends the wait for its output
      context.settling?.();
      resolve([code, sig]);
    }));
    const failed = await once(child, 'spawn').then(() => undefined, (error: NodeJS.ErrnoException) => error);
    if (failed) throw spawnError(failed, attempt);
    let endOutputWait = (): void => undefined;
    const outputWaitEnded = new Promise<void>((resolve) => (endOutputWait = resolve));
    // before the exit an abort ends the command (its whole group); once the exit is seen the command has
    // done its work: an abort then only ends the wait for output, and a process it left running is left alone
    let abortedBeforeExit = false;
    const onAbort = (): void => {
      if (exitSeen) return endOutputWait();
      abortedBeforeExit = true;
      void terminateGroup(child.pid as number, fields.killGrace, exited);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // aborted while the process was starting: the listener came too late to hear it
    if (signal.aborted) onAbort();
    const [exitCode, exitSignal] = await exited;
    try {
      // the output still in the pipes comes right after the exit, unless a process the command left running
      // holds them open: its exit decides then, and what that process writes later is read and dropped
      await settled(Promise.race([closed, outputWaitEnded]), OUTPUT_AFTER_EXIT_MS);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    const outcome: ExecOutcome = { exitCode, signal: exitSignal, stdout: stdout.text(), stderr: stderr.text(), truncated: { stdout: stdout.dropped, stderr: stderr.dropped } };
    if (abortedBeforeExit) throw signal.reason;
    // a program that prints a secret it was given: what leaves the invocation has it replaced
    if (exitCode === null || !fields.successCodes.includes(exitCode)) throw scrubError(new ExecFailedError(program as string, outcome), secrets);
    return scrubSecrets(outcome, secrets);
  },
});

/** A program that could not start: retryable when the system was short of processes or files, else terminal. */
function spawnError(error: NodeJS.ErrnoException, attempt: SpawnAttempt): HomeostatError {
  const message = `cannot start ${attempt.program}: ${spawnFailureReason(error, attempt)}`;
  if (error.code === 'EAGAIN' || error.code === 'EMFILE') return new HomeostatError('E_EXEC_SPAWN', message, { retryable: true });
  return new TerminalEffectorError(message, { code: 'E_EXEC_SPAWN' });
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
async function settled(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
