import { Command, CommanderError, Option } from 'commander';
import type { LogFormat } from './log-format.js';
import { packageInfo } from './package-info.js';
import type { Io } from './validate-command.js';
import { printable } from './printable.js';
import { connectionLimit, graceSeconds, leaseTime, nonBlank, once, oneOf, port, requestTimeoutSeconds, wholeNumber } from './option-values.js';

// Each command's module is imported when the command runs, not at start-up: `validate` must not pay for
// fastify, pino, the OpenTelemetry SDK, Redis or the process drivers that only `run` uses (a cold CLI is
// dominated by module loading otherwise).
const LOG_FORMAT_CHOICES: readonly LogFormat[] = ['json', 'human'];
/** The blueprint argument of validate, run and simulate. */
const BLUEPRINT = nonBlank('a blueprint file');

/** How `homeostat run` ends, for its help. */
const RUN_EXIT_CODES = `
Exit codes:
  0        stopped cleanly
  1        could not start, or the stop failed, ran out of grace or aborted effectors still running,
           or an uncaught exception (a policy module's own timer that threw) stopped the run
  2        the command line is wrong (an unknown option, a value it cannot take)
  130/143  a second SIGINT/SIGTERM during the stop (or while its last log lines drain) ended it at once
A code other than 0 is explained on stderr (for a forced or failed stop: what it abandoned).`;

/** The process's stdout and stderr, with control characters escaped (see `printable`). */
const consoleIo: Io = { out: (line) => process.stdout.write(`${printable(line)}\n`), err: (line) => process.stderr.write(`${printable(line)}\n`) };

/**
 * The `homeostat` command. Returns the exit code: 0 on success, 1 on an invalid blueprint or failure,
 * 2 on a usage error. Never prints a stack trace for bad input.
 */
export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('homeostat')
    .description('autonomic control loops over a tree of managed entities')
    .version(packageInfo().version, '-V, --version', 'print the version of homeostat')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  program
    .command('validate')
    .description('check a blueprint; print every problem as <file>:<line>:<col>: <message>')
    .argument('<blueprint>', 'blueprint YAML file', BLUEPRINT)
    .action(async (file: string) => {
      const { validateCommand } = await import('./validate-command.js');
      code = await validateCommand(file, io, { catchProcessFaults: io === consoleIo });
    });
  program
    .command('init')
    .description('write a starter project: a blueprint, a policy module, its virtual-time test and a package.json')
    .argument('[dir]', 'directory to write into (created if needed)', nonBlank('a directory'), '.')
    .action(async (dir: string) => {
      const { initCommand } = await import('./init-command.js');
      code = await initCommand(dir, io);
    });
  program
    .command('run')
    .description('run the loops of a blueprint until SIGINT or SIGTERM (a second one ends it at once)')
    .argument('<blueprint>', 'blueprint YAML file', BLUEPRINT)
    .option('--port <port>', 'serve the HTTP API, OpenAPI (/docs) and metrics (/metrics) on this port', once('--port', port))
    .option('--host <address>', 'address to listen on (default 127.0.0.1)', once('--host', nonBlank('an address to listen on')))
    .option('--dry-run', 'record every plan as dry_run; invoke no effector', false)
    .option('--redis <url>', 'keep knowledge in Redis (redis://host:port[/db], redis+sentinel://host:port,host:port/mastername, redis+cluster://host:port,host:port; or HOMEOSTAT_REDIS_URL) so a restart resumes where it stopped', once('--redis', nonBlank('a Redis URL')))
    .option('--redis-namespace <name>', 'this deployment\'s keys in Redis (default: from the blueprint name)', once('--redis-namespace', nonBlank('a namespace')))
    .option('--ha', 'one of several instances: only the holder of a lease in Redis acts, under a fencing token; the others stand by warm', false)
    .option('--lease <ms>', 'lease time with --ha (default 2000): a dead leader is replaced within about this long', once('--lease', leaseTime))
    .option('--shards', 'with --ha: each top-level subtree (and each marked shard: true) is a lease of its own, shared out among the instances (each acts for about its share)', false)
    .option('--min-replica-acks <n>', 'with --ha: replicas that must acknowledge each take and renewal of the lease (Redis WAIT) before it counts (default 0)', once('--min-replica-acks', wholeNumber))
    .addOption(new Option('--log-format <format>', 'human lines, or one JSON object per line (default: human on a terminal, else json)').choices(LOG_FORMAT_CHOICES).argParser(once('--log-format', oneOf(LOG_FORMAT_CHOICES))))
    .option('--allow-unauthenticated', 'serve a non-loopback --host with no tokens configured (every caller is an admin)', false)
    .option('--protect-metrics', 'require a viewer token for /metrics', false)
    .option('--stop-grace <seconds>', 'on SIGINT/SIGTERM, time given to streams and effectors in flight before exiting (default 10); a second signal exits at once', once('--stop-grace', graceSeconds))
    .option('--request-timeout <seconds>', 'a client that has not sent a whole request (headers and body) within this gets 408 and its connection is closed (default 60); responses such as /stream are not timed', once('--request-timeout', requestTimeoutSeconds))
    .option('--max-connections <n>', 'the most connections open at once on each address (default 1024); one over it is closed as it comes, and the log says so (at most every 10 s)', once('--max-connections', connectionLimit))
    .addHelpText('after', RUN_EXIT_CODES)
    .action(async (file: string, options: { port?: number; host?: string; dryRun: boolean; redis?: string; redisNamespace?: string; ha: boolean; lease?: number; minReplicaAcks?: number; shards: boolean; logFormat?: LogFormat; allowUnauthenticated: boolean; protectMetrics: boolean; stopGrace?: number; requestTimeout?: number; maxConnections?: number }) => {
      const [{ createRunLogger, logShowsOnStderrTerminal, resolveLogFormat, terminalOf }, { runCommand }, { turnOffPretenuring }] = await Promise.all([import('./log-format.js'), import('./run-command.js'), import('../core/pretenuring.js')]);
      // before the tree is built and the loops run: see turnOffPretenuring
      turnOffPretenuring();
      const format = resolveLogFormat(options.logFormat, process.stdout.isTTY === true);
      const logger = createRunLogger(format);
      // the log (fd 1) and the io's stderr on one terminal: an explanation of the exit code shows once
      const logShowsOnStderr = io === consoleIo && logShowsOnStderrTerminal(format, terminalOf(1), terminalOf(2));
      const knowledge = { ...(options.redis === undefined ? {} : { redisUrl: options.redis }), ...(options.redisNamespace === undefined ? {} : { namespace: options.redisNamespace }), ha: options.ha, ...(options.lease === undefined ? {} : { leaseMs: options.lease }), ...(options.minReplicaAcks === undefined ? {} : { minReplicaAcks: options.minReplicaAcks }), shards: options.shards };
      code = await runCommand(file, {
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.stopGrace === undefined ? {} : { stopGraceMs: options.stopGrace * 1000 }),
        ...(options.requestTimeout === undefined ? {} : { requestTimeoutMs: Math.round(options.requestTimeout * 1000) }),
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
        dryRun: options.dryRun,
        knowledge,
        logger,
        allowUnauthenticated: options.allowUnauthenticated,
        protectMetrics: options.protectMetrics,
        logShowsOnStderr,
        ...(io === consoleIo ? { exit: (c: number) => process.exit(c), catchProcessFaults: true } : {}),
      }, io);
    });
  program
    .command('simulate')
    .description('replay a trace against a blueprint in virtual time and print a report')
    .argument('<blueprint>', 'blueprint YAML file', BLUEPRINT)
    .requiredOption('--trace <file>', 'trace: .delta (inter-arrival seconds per line) or .csv (timestamp,count)', once('--trace', nonBlank('a trace file')))
    .option('--json', 'print the report as JSON', false)
    .option('--chart <file.svg>', 'draw load, servers, dimmer and response time over time', once('--chart', nonBlank('a file name for the chart')))
    .option('--seed <n>', 'seed of every random choice (default: the blueprint\'s engine.seed, else 1)', once('--seed', wholeNumber))
    .option('--warmup <seconds>', 'leave periods before this out of the results (default 900)', once('--warmup', wholeNumber))
    .option('--duration <seconds>', 'simulate only this long (default: the whole trace)', once('--duration', wholeNumber))
    .option('--fail <entity@seconds>', 'inject a lasting fault: the entity (and its subtree) goes down at that time; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--recover <entity@seconds>', 'clear an injected fault at that time; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--lag <entity=lag@seconds>', 'from that time the replica reports this replication lag (s); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--fence-fails <entity@seconds>', 'from that time fencing the entity fails; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--partition <entity@seconds>', 'cut a database off from homeostat at that time: it keeps running and taking its clients\' writes, homeostat reads nothing from it and every effector on it fails (fence included); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--heal <entity@seconds>', 'end a partition at that time: homeostat reads the database again, in whatever role it holds; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--invoke <entity:effector[:json]@seconds>', 'a person invokes an effector at that time, arbitrated like the API; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--progress', 'print to stderr where the run is at each tenth of the simulated time (on a terminal a long run does every 5 s anyway)', false)
    .action(async (file: string, options: { trace: string; json: boolean; chart?: string; seed?: number; warmup?: number; fail?: string[]; recover?: string[]; lag?: string[]; fenceFails?: string[]; partition?: string[]; heal?: string[]; invoke?: string[]; duration?: number; progress: boolean }) => {
      const { simulateCommand } = await import('./simulate-command.js');
      code = await simulateCommand(file, { ...options, terminal: io === consoleIo && process.stderr.isTTY === true, catchProcessFaults: io === consoleIo }, io);
    });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.err(`homeostat: ${(error as Error).message}`);
    return 1;
  }
  return code;
}
