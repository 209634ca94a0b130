import type { Logger } from 'pino';

/** How one command words the faults `watchProcessFaults` tells; each is followed by `: <message> (at <frame>)`. */
export interface FaultWords {
  /** The first uncaught exception, which stops the command. */
  readonly stopping: string;
  /** An uncaught exception after the first, while the command stops. */
  readonly whileStopping: string;
  /** Why the command failed, told once it stopped. */
  readonly stopped: string;
  /** An unhandled promise rejection, and what the command does about it. */
  readonly rejection: string;
}

/** Tells one fault: its one-line message, and the stack of what was thrown (or its description when it has none). */
export type FaultTeller = (message: string, detail: { readonly stack: string } | { readonly error: string }) => void;

/** `homeostat run`: the run stops in order on an uncaught exception; it goes on after an unhandled rejection. */
export const RUN_FAULT_WORDS: FaultWords = {
  stopping: 'uncaught exception, stopping',
  whileStopping: 'uncaught exception while stopping',
  stopped: 'an uncaught exception stopped the run',
  rejection: 'unhandled promise rejection (the run goes on)',
};

/**
 * `homeostat simulate`: the simulation stops on an uncaught exception and prints no report; it goes on after an
 * unhandled rejection, but its report may be wrong (a policy's work failed unobserved), and says so.
 */
export const SIMULATE_FAULT_WORDS: FaultWords = {
  stopping: 'uncaught exception, stopping the simulation',
  whileStopping: 'uncaught exception while the simulation stops',
  stopped: 'an uncaught exception stopped the simulation',
  rejection: 'unhandled promise rejection (the simulation goes on, but its report may be wrong)',
};

/**
 * `homeostat validate`: an uncaught exception while the modules load makes the blueprint not valid; an unhandled
 * rejection is told, and the blueprint is valid all the same (`run` would go on after it too).
 */
export const VALIDATE_FAULT_WORDS: FaultWords = {
  stopping: 'uncaught exception while validating',
  whileStopping: 'another uncaught exception while validating',
  stopped: 'an uncaught exception came while the blueprint loaded',
  rejection: 'unhandled promise rejection while validating (what the module does at run time may fail the same way)',
};

/** Tells faults as ERROR lines of the run's log, the stack (or description) as a field. */
export function logFaults(logger: Logger): FaultTeller {
  return (message, detail) => logger.error(detail, message);
}

/**
 * Tells faults on stderr: `homeostat: <message>`, then the stack's frames as Node prints them (`    at ...`), so
 * the module's file and line can be found; for a value that is no Error, its description is in the message.
 */
export function printFaults(err: (line: string) => void): FaultTeller {
  return (message, detail) => {
    err(`homeostat: ${message}`);
    if ('stack' in detail) for (const line of detail.stack.split('\n').filter((l) => /^\s+at /.test(l))) err(line);
  };
}
