import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runCommand } from './run-command.js';
import { simulateCommand } from './simulate-command.js';
import { validateCommand, type Io } from './validate-command.js';

const consoleIo: Io = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/**
 * The `homeostat` command. Returns the exit code: 0 on success, 1 on an invalid blueprint or failure,
 * 2 on a usage error. Never prints a stack trace for bad input.
 */
export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('homeostat')
    .description('autonomic control loops over a tree of managed entities')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  program
    .command('validate')
    .description('check a blueprint; print every problem as <file>:<line>:<col>: <message>')
    .argument('<blueprint>', 'blueprint YAML file')
    .action(async (file: string) => {
      code = await validateCommand(file, io);
    });
  program
    .command('run')
    .description('run the loops of a blueprint until SIGINT or SIGTERM')
    .argument('<blueprint>', 'blueprint YAML file')
    .option('--port <port>', 'serve the HTTP API, OpenAPI (/docs) and metrics (/metrics) on this port', port)
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--dry-run', 'record every plan as dry_run; invoke no effector', false)
    .action(async (file: string, options: { port?: number; host?: string; dryRun: boolean }) => {
      code = await runCommand(file, { ...(options.port === undefined ? {} : { port: options.port }), ...(options.host === undefined ? {} : { host: options.host }), dryRun: options.dryRun }, io);
    });
  program
    .command('simulate')
    .description('replay a trace against a blueprint in virtual time and print a report')
    .argument('<blueprint>', 'blueprint YAML file')
    .requiredOption('--trace <file>', 'trace: .delta (inter-arrival seconds per line) or .csv (timestamp,count)')
    .option('--json', 'print the report as JSON', false)
    .option('--chart <file.svg>', 'draw load, servers, dimmer and response time over time')
    .option('--seed <n>', 'seed of every random choice (default: the blueprint\'s engine.seed, else 1)', wholeNumber)
    .option('--warmup <seconds>', 'leave periods before this out of the results (default 900)', wholeNumber)
    .option('--duration <seconds>', 'simulate only this long (default: the whole trace)', wholeNumber)
    .option('--fail <entity@seconds>', 'inject a lasting fault: the entity (and its subtree) goes down at that time; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--recover <entity@seconds>', 'clear an injected fault at that time; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--lag <entity=lag@seconds>', 'from that time the replica reports this replication lag (s); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--fence-fails <entity@seconds>', 'from that time fencing the entity fails; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--invoke <entity:effector[:json]@seconds>', 'a person invokes an effector at that time, arbitrated like the API; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (file: string, options: { trace: string; json: boolean; chart?: string; seed?: number; warmup?: number; fail?: string[]; recover?: string[]; lag?: string[]; fenceFails?: string[]; invoke?: string[]; duration?: number }) => {
      code = await simulateCommand(file, options, io);
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
