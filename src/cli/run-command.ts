import { pino, type Logger } from 'pino';
import { counted } from './counted.js';
import { Deployment } from '../blueprint/deployment.js';
import { describeError } from '../core/errors.js';
import { logDecision } from './decision-log.js';
import { logFeedChanges } from './feed-log.js';
import { loadOrReport, type Io } from './validate-command.js';
import { redact } from '../core/redact.js';
import { serve, type Served } from '../server/serve.js';
import { processEvents$ } from '../drivers/process/supervisor.js';
import { authEnabled, type AuthSettings } from '../server/auth.js';
import { alertmanagerReceiverFromEnvironment, authFromEnvironment } from './service-environment.js';
import { openKnowledgeStore, type KnowledgeChoice } from './knowledge-option.js';
import { RedisStore } from '../knowledge/redis/redis-store.js';
import type { HaCoordinator } from '../cluster/ha-coordinator.js';
import { instanceName, joinHa, joinShards } from './ha-option.js';
import type { InvocationDelegate } from '../effectors/delegated-invocation.js';
import type { ShardCoordinator } from '../cluster/shard-coordinator.js';
import type { HandedOverInvocation } from '../cluster/shard-delegation.js';
import { startOtelSdk } from '../telemetry/otel-sdk.js';
import { awaitStopRequest } from './stop-request.js';
import { RUN_EXIT, forcedExitCode, stopRun } from './stop-run.js';
import { drainLastLines } from './last-log-lines.js';
import { giveUp } from './give-up-start.js';
import { unpairedRunOption } from './run-option-pairs.js';
import { isLoopback } from './loopback.js';
import { logServing } from './log-serving.js';
import { WorkInFlight } from './work-in-flight.js';
import { stdoutDestination } from './log-format.js';
import { watchProcessFaults } from './process-faults.js';
import { logFaults, RUN_FAULT_WORDS } from './fault-telling.js';
import { describeKnowledgeLoadFailure } from './knowledge-load-failure.js';
import type { KnowledgeStore } from '../knowledge/store.js';

/** pino's `formatters.log` for homeostat's logs: every line's fields redacted at any depth and bounded. */
export function redactLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redact(fields) as Record<string, unknown>;
}

/** Options of `homeostat run`. */
export interface RunOptions {
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1 (loopback). */
  readonly host?: string;
  readonly dryRun?: boolean;
  /** Serve a non-loopback host with no access control (every caller an admin). Default false: refused. */
  readonly allowUnauthenticated?: boolean;
  /** Require a viewer token for /metrics. Default false. */
  readonly protectMetrics?: boolean;
  /** How long stopping may take before the process gives up on what still runs (ms). Default 10 000. */
  readonly stopGraceMs?: number;
  /** How long a client may take to send a whole request before it gets 408 (ms). Default 60 000. */
  readonly requestTimeoutMs?: number;
  /** The most HTTP connections open at once on each address; more are closed as they come (logged). Default 1024. */
  readonly maxConnections?: number;
  /** Resolves when the run should stop; default SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
  readonly logger?: Logger;
  /** Knowledge in Redis instead of memory. */
  readonly knowledge?: KnowledgeChoice;
  /**
   * The log shows as human lines on the terminal stderr shows on: what explains the exit code is written to
   * stderr only, not also as an ERROR log line (it would show twice). Default false: it is in both.
   */
  readonly logShowsOnStderr?: boolean;
  /**
   * Ends the process with the code once stopped, or once a start that failed has closed what it opened (the
   * CLI passes process.exit, so nothing can linger).
   */
  readonly exit?: (code: number) => void;
  /**
   * Takes the process' uncaught exceptions and unhandled rejections (see `watchProcessFaults`): an uncaught
   * exception is logged and stops the run in order, exit code 1; an unhandled rejection is logged. The CLI sets
   * it; an embedding process keeps its own handling. Default false.
   */
  readonly catchProcessFaults?: boolean;
}

/** `homeostat run <blueprint>`: runs the loops until SIGINT/SIGTERM, logging each decision as one line. */
export async function runCommand(file: string, options: RunOptions, io: Io): Promise<number> {
  // an `until` that fails asks for the stop too (the loops, the service and the hold must not outlive it), and
  // is handled from now on: it may fail while the blueprint still loads
  let untilFailure: string | undefined;
  const until = options.until?.then(
    (value) => value,
    (error: unknown) => (untilFailure = `until failed: ${describeError(error)}`),
  );
  const host = options.host ?? '127.0.0.1';
  // secrets are redacted at any depth in every log line, and what a line holds is bounded; made first, so that
  // every reason a start fails for reaches the log too
  const logger = options.logger ?? pino({ base: { service: 'homeostat' }, formatters: { log: redactLogFields } }, stdoutDestination());
  const faults = options.catchProcessFaults ? watchProcessFaults(logFaults(logger), RUN_FAULT_WORDS) : undefined;
  // what explains the exit code goes to stderr and, as an ERROR line, to the log (unless that is stderr's terminal)
  const startIo: Io = {
    out: io.out,
    err: (line) => {
      if (!options.logShowsOnStderr) logger.error({ exitCode: RUN_EXIT.failed }, line);
      io.err(line);
    },
  };
  // a start that fails closes what it opened (a Redis client left open would keep the process alive for ever)
  // and lets the log drain, then ends with 1
  const opened: { store?: KnowledgeStore; telemetry?: { shutdown(): Promise<void> }; release?: () => Promise<void> } = {};
  const failStart = async (why: string | undefined): Promise<number> => {
    if (why !== undefined) startIo.err(why);
    if (opened.release) await opened.release();
    else await opened.store?.close().catch(() => undefined);
    await opened.telemetry?.shutdown().catch(() => undefined);
    await drainLastLines(logger, 1_000);
    faults?.release();
    options.exit?.(1);
    return 1;
  };
  const unpaired = unpairedRunOption(options);
  if (unpaired !== undefined) return failStart(unpaired);
  let auth: AuthSettings | undefined;
  let alertmanager: Awaited<ReturnType<typeof alertmanagerReceiverFromEnvironment>> = {};
  if (options.port !== undefined) {
    try {
      auth = authFromEnvironment();
      alertmanager = await alertmanagerReceiverFromEnvironment();
    } catch (error) {
      return failStart(`cannot start the HTTP service: ${describeError(error)}`);
    }
    if (!authEnabled(auth) && !isLoopback(host) && !options.allowUnauthenticated) {
      return failStart(`refusing to serve ${host} without access control: every caller would be an admin; set HOMEOSTAT_TOKENS (or a JWT key), listen on 127.0.0.1, or pass --allow-unauthenticated`);
    }
  }
  const blueprint = await loadOrReport(file, startIo);
  // every problem was told
  if (!blueprint) return failStart(undefined);
  const telemetry = await startOtelSdk(logger);
  if (telemetry) opened.telemetry = telemetry;
  let store: KnowledgeStore | undefined;
  try {
    store = await openKnowledgeStore(options.knowledge ?? {}, blueprint.name);
  } catch (error) {
    return failStart(`${file}: ${describeError(error)}`);
  }
  if (store) opened.store = store;
  const choice = options.knowledge ?? {};
  if (choice.ha && !(store instanceof RedisStore)) {
    return failStart(`${file}: --ha needs --redis (the instances share their lease and knowledge through Redis)`);
  }
  if (choice.shards && !choice.ha) {
    return failStart(`${file}: --shards needs --ha (shards are leases shared out among the instances)`);
  }
  const owner = instanceName();
  let coordinator: HaCoordinator | ShardCoordinator | undefined;
  const fence = (entity: string) => coordinator?.actingToken(entity);
  // with shards, the mark of an invocation in flight is kept with its shard, for the shard's next owner
  const inFlightGroup = (entity: string) => (coordinator && 'shardOf' in coordinator ? coordinator.shardOf(entity) : entity);
  // with shards, an invocation on an entity of a shard another instance holds is handed to that instance
  let handOver: InvocationDelegate | undefined;
  let handedOver: (() => readonly HandedOverInvocation[]) | undefined;
  let stopRunningHandedIn: ((graceMs: number) => Promise<void>) | undefined;
  let stopClaimingHandedIn: (() => void) | undefined;
  const delegate: InvocationDelegate = (invocation, signal) => handOver?.(invocation, signal);
  let deployment: Deployment;
  try {
    deployment = await Deployment.create(blueprint, { dryRun: options.dryRun ?? false, ...(store ? { store } : {}), ...(choice.ha ? { fence } : {}), ...(choice.shards ? { inFlightGroup, delegate } : {}), ...(choice.ha || choice.shards ? { instance: owner } : {}) });
  } catch (error) {
    return failStart(`${file}: cannot start: ${describeKnowledgeLoadFailure(error, store)}`);
  }
  // from here, a start that fails undoes the deployment (its loops, the lease, knowledge) and what watches it
  opened.release = () => giveUp(deployment, coordinator);
  if (choice.ha && store instanceof RedisStore) {
    coordinator = choice.shards ? joinShards(deployment, blueprint, store, owner, logger, choice.leaseMs, choice.minReplicaAcks, (hooks) => {
      handOver = hooks.delegate;
      handedOver = hooks.handedOver;
      stopClaimingHandedIn = hooks.stopClaiming;
      stopRunningHandedIn = hooks.stopRunningHandedIn;
    }) : joinHa(deployment, store, owner, logger, choice.leaseMs, choice.minReplicaAcks);
    coordinator.start();
  }
  // what is under way, for a stop cut short to say what it abandons
  const work = new WorkInFlight({
    invocationStarted$: deployment.engine.invoker.started$,
    invocationEnded$: deployment.engine.invoker.records$,
    processEvents$,
    pendingWrites: () => deployment.knowledge.pending,
    now: () => deployment.engine.scheduler.now(),
    // with shards, invocations handed to another instance are under way too (they run there)
    handedOver: () => handedOver?.() ?? [],
  });
  // the decision records this run made (a coalesced update is no new record), counted as they are made: with
  // Redis the store also holds earlier runs' decisions, and is closed by the time the last line is written
  let decisionCount = 0;
  const counting = deployment.engine.decisions$.subscribe((d) => {
    if ((d.count ?? 1) <= 1) decisionCount += 1;
  });
  const subscriptions = [
    deployment.engine.decisions$.subscribe((d) => logDecision(logger, d)),
    deployment.engine.faults$.subscribe((f) => logger.error({ fault: f }, `policy ${f.policy} failed in ${f.phase}: ${f.message}${f.phase === 'teardown' ? '' : `; restarting in ${f.restartInMs} ms`}`)),
    deployment.tree.rejections$.subscribe((r) => logger.warn({ rejected: r }, `rejected reading of ${r.entity}.${r.sensor}: ${r.problem}`)),
    deployment.knowledge.errors$.subscribe((e) => logger.error({ err: e }, `knowledge store: ${e.message}`)),
    logFeedChanges(logger, deployment.feeds),
    processEvents$.subscribe((e) => logger[e.kind === 'exited' || e.kind === 'cleaned' || e.kind === 'unhealthy' ? 'warn' : 'info']({ process: e }, e.message)),
  ];
  // listening before the loops start and before the line that says Ctrl-C stops them: a signal in between
  // would otherwise end the process at once, leaving what the loops started behind
  const stop = awaitStopRequest(until, faults?.uncaught);
  opened.release = async () => {
    await giveUp(deployment, coordinator);
    for (const subscription of subscriptions) subscription.unsubscribe();
    work.close();
    stop.release();
  };
  try {
    deployment.start();
  } catch (error) {
    return failStart(`${file}: cannot start: ${describeError(error)}`);
  }
  const policies = deployment.engine.policies();
  logger.info(
    { blueprint: blueprint.name, entities: deployment.tree.size, policies: policies.map((p) => p.id), dryRun: deployment.engine.dryRun },
    `running '${blueprint.name}': ${counted(deployment.tree.size, 'entity', 'entities')}, ${counted(policies.length, 'policy', 'policies')}${deployment.engine.dryRun ? ' (dry run)' : ''}; Ctrl-C stops`,
  );
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  // effectors in flight (the loops' and the API's) get the grace less a margin in which the rest of the stop fits
  const effectorGraceMs = stopGraceMs - Math.min(1_000, stopGraceMs / 4);
  let server: Served | undefined;
  if (options.port !== undefined && auth) {
    try {
      server = await serve(deployment, { port: options.port, host, auth, loggerInstance: logger, stopGraceMs: effectorGraceMs, ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }), ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }), onConnectionLimit: (message, fields) => logger.warn(fields, message), ...(options.protectMetrics ? { protectMetrics: true } : {}), ...alertmanager, ...(coordinator ? { ha: coordinator } : {}) });
      logServing(logger, server.urls, host, authEnabled(auth));
    } catch (error) {
      return failStart(`cannot start the HTTP service on ${host}:${options.port}: ${describeError(error)}`);
    }
  }
  const signal = await stop.requested;
  logger.info({ signal, stopGraceMs }, `stopping (grace ${stopGraceMs / 1000} s)`);
  // effectors (the API's and the loops') are aborted at one deadline, fixed as the stop begins: each step that
  // waits on them gets what is left of it, so the HTTP close cannot push the loops' grace past the stop's
  const stopped = await stopRun(async (effectorDeadline) => {
    for (const subscription of subscriptions) subscription.unsubscribe();
    // no new API invocation from here on: it would only hold the lease longer (or, past the hand-over, fail);
    // reads go on until the service closes
    server?.refuseInvocations();
    // nor one handed in by another instance: left queued, its shard's next holder runs it
    stopClaimingHandedIn?.();
    // the lease (with --shards, every shard) stays held, and renewed, until every effector this instance
    // started has ended or was aborted at the deadline: given up sooner, another instance could take it and
    // act on the same entities while an effector still ran here
    work.step = 'stopping the loops';
    await deployment.stopLoops({ graceMs: effectorDeadline.leftMs() });
    work.step = 'closing the HTTP service';
    await server?.close(effectorDeadline.leftMs());
    if (stopRunningHandedIn) {
      work.step = 'ending invocations other instances handed to this one';
      await stopRunningHandedIn(effectorDeadline.leftMs());
    }
    if (coordinator) {
      // what the effectors left (their records, in-flight marks cleared, cooldowns) is in the store before the
      // next holder reads it; a store that fails here fails the last stop below, which reports it
      work.step = 'writing the last records to knowledge';
      await deployment.engine.stop().catch(() => undefined);
      deployment.recordSnapshots();
      work.step = 'handing over the lease';
      await coordinator.stop();
    }
    work.step = 'stopping the drivers and knowledge';
    // a store that fails makes the engine's last flush fail: close knowledge anyway, keeping the error
    await deployment.stop().catch(async (error: unknown) => {
      await deployment.knowledge.close().catch(() => undefined);
      throw error;
    });
    work.step = 'shutting telemetry down';
    await telemetry?.shutdown().catch(() => undefined);
  }, { graceMs: stopGraceMs, effectorGraceMs, work, forced: stop.forced });
  work.close();
  counting.unsubscribe();
  const failure = untilFailure ?? faults?.failure;
  let code: number = failure !== undefined && stopped.code === RUN_EXIT.stopped ? RUN_EXIT.failed : stopped.code;
  // a code other than 0 is always explained on stderr, one line per reason, and in the log unless the log is
  // that same terminal
  for (const problem of [untilFailure, faults?.failure, stopped.problem]) {
    if (problem === undefined) continue;
    if (!options.logShowsOnStderr) logger.error({ exitCode: code }, problem);
    io.err(`homeostat: ${problem}`);
  }
  if (stopped.code === RUN_EXIT.stopped) {
    logger.info({ decisions: decisionCount }, `stopped cleanly after ${counted(decisionCount, 'decision')}`);
  }
  // the last lines must be written before the process ends (an asynchronous destination buffers them); a
  // forced end waits less, as it was asked to end at once, and a second signal while they drain ends at once
  const lateSignal = await drainLastLines(logger, stopped.forcedBy ? 200 : 1_000, stopped.forcedBy ? undefined : stop.forced);
  if (lateSignal !== undefined) {
    code = forcedExitCode(lateSignal);
    io.err(`homeostat: a second ${lateSignal} ended the process at once while its last log lines were written; lines not yet written are lost`);
  }
  // the signal listeners stay until here: a signal while the last lines drain must not end the process by
  // Node's default (losing the code, those lines, and the supervisor's exit hook)
  stop.release();
  faults?.release();
  options.exit?.(code);
  return code;
}
