import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { redact } from '../core/redact.js';
import { pino, type DestinationStream, type Logger } from 'pino';
import { StdoutLog } from './stdout-log.js';
import { printable } from './printable.js';

/** How `homeostat run` writes its log: one JSON object per line, or one sentence per line for a person. */
export type LogFormat = 'json' | 'human';

/** The accepted values of `--log-format`. */
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'human'];

/**
 * The format to use: the one asked for, else human on a terminal and JSON when stdout is a pipe or a file
 * (so log collectors get structured lines without a flag).
 */
export function resolveLogFormat(asked: LogFormat | undefined, stdoutIsTty: boolean): LogFormat {
  return asked ?? (stdoutIsTty ? 'human' : 'json');
}

const LEVEL_TAGS: ReadonlyMap<number, string> = new Map([
  [40, 'WARN '],
  [50, 'ERROR '],
  [60, 'FATAL '],
]);

/** `HH:MM:SS` in local time: a terminal reader wants the wall clock of the machine in front of them. */
function clockTime(epochMs: unknown): string {
  const at = new Date(typeof epochMs === 'number' ? epochMs : Number.NaN);
  if (Number.isNaN(at.getTime())) return '--:--:--';
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A reason or message with line breaks would split one record over several terminal lines. */
function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n]+\s*/g, ' '));
}

function actionText(action: unknown): string {
  const a = (typeof action === 'object' && action !== null ? action : {}) as { effector?: unknown; entity?: unknown; params?: unknown };
  return `${String(a.effector)}(${String(a.entity)}${a.params === undefined ? '' : ` ${JSON.stringify(a.params)}`})`;
}

/**
 * One log record (as pino writes it) as one human line: time, level when above info, and for a decision
 * the policy, the outcome and the reason as a sentence (`resize(web {"size":4}) because cpu.mean is ...`).
 */
export function formatHumanLine(record: Readonly<Record<string, unknown>>): string {
  const time = clockTime(record['time']);
  const level = LEVEL_TAGS.get(typeof record['level'] === 'number' ? record['level'] : 30) ?? '';
  const { policy, outcome, reason } = record;
  if (typeof policy === 'string' && typeof outcome === 'string' && typeof reason === 'string') {
    const actions = Array.isArray(record['actions']) ? record['actions'].map(actionText).join(', ') : '';
    return oneLine(`${time} ${level}${policy} ${outcome}: ${actions === '' ? reason : `${actions} because ${reason}`}${failureOf(outcome, record['detail'])}`);
  }
  return oneLine(`${time} ${level}${String(record['msg'] ?? '')}`);
}

/** `; it failed: <why>` for a failed decision whose detail says why; empty otherwise. */
export function failureOf(outcome: unknown, detail: unknown): string {
  return outcome === 'failed' && typeof detail === 'string' && detail !== '' ? `; it failed: ${detail}` : '';
}

/** A pino destination that turns each JSON line into a human line and hands it to `write`. */
export function humanDestination(write: (line: string) => void): DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) {
        if (line === '') continue;
        try {
          write(`${formatHumanLine(JSON.parse(line) as Record<string, unknown>)}\n`);
        } catch {
          write(`${line}\n`); // never lose a line because it could not be pretty-printed
        }
      }
    },
  };
}

/**
 * Standard output as the run's log destination, written in the background and bounded (see StdoutLog): a
 * reader that stops reading holds up neither the loops nor a stop, and one that has gone (EPIPE) ends the log,
 * not the run. In `format`, a line says how many lines were dropped while the log could not keep up.
 */
export function stdoutDestination(format: LogFormat = 'json'): StdoutLog {
  return new StdoutLog((count) => {
    const message = `${count} log lines were dropped: standard output was not read fast enough`;
    return format === 'json' ? `${JSON.stringify({ level: 40, time: Date.now(), service: 'homeostat', dropped: count, msg: message })}\n` : `${clockTime(Date.now())} WARN ${message}\n`;
  });
}

/** The logger of `homeostat run` in the given format, writing to `write` (default stdoutDestination). */
export function createRunLogger(format: LogFormat, write?: (text: string) => void): Logger {
  // secrets are redacted at any depth in every line, and what a line holds is bounded
  const options = { base: { service: 'homeostat' }, formatters: { log: (fields: Record<string, unknown>) => redact(fields) as Record<string, unknown> } };
  if (write !== undefined) return pino(options, format === 'human' ? humanDestination(write) : { write });
  const destination = stdoutDestination(format);
  if (format === 'json') return pino(options, destination);
  // the human lines go to the same background writer, and a flush waits for it
  const human = humanDestination((text) => destination.write(text));
  return pino(options, { write: (chunk: string) => human.write(chunk), flush: (done: () => void) => destination.flush(done) } as DestinationStream);
}

/** The terminal device a descriptor writes to, or undefined when it is not a terminal (a pipe, a file). */
export function terminalOf(fd: number): number | undefined {
  try {
    return isatty(fd) ? fstatSync(fd).rdev : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the log shows on the terminal stderr shows on, as human lines: a line that explains the exit code
 * on stderr would show twice, so it is written there only. A JSON log, or one that goes to a pipe, a file or
 * another terminal, keeps it as a log line too.
 * @param stdoutTerminal `terminalOf(1)`; @param stderrTerminal `terminalOf(2)`
 */
export function logShowsOnStderrTerminal(format: LogFormat, stdoutTerminal: number | undefined, stderrTerminal: number | undefined): boolean {
  return format === 'human' && stdoutTerminal !== undefined && stdoutTerminal === stderrTerminal;
}
