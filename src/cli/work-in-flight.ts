import type { Observable, Subscription } from 'rxjs';
import { counted } from './counted.js';
import type { InFlightInvocation } from '../effectors/invocation.js';
import type { ProcessEvent } from '../drivers/process/supervisor.js';
import type { HandedOverInvocation } from '../cluster/shard-delegation.js';

/** Where a run learns what it has under way. */
export interface WorkSources {
  /** Every effector invocation as it starts (the invoker's `started$`). */
  readonly invocationStarted$: Observable<InFlightInvocation>;
  /** Every effector invocation as it ends (the invoker's `records$`), with its error when it failed. */
  readonly invocationEnded$: Observable<{ readonly id: string; readonly error?: { readonly code: string } }>;
  /** What the process drivers do (spawned, adopted, exited, stopped ...). */
  readonly processEvents$: Observable<ProcessEvent>;
  /** Knowledge writes that have not reached the store yet. */
  readonly pendingWrites: () => number;
  /** The time invocations are stamped with (the deployment's scheduler clock, ms). */
  readonly now: () => number;
  /**
   * With shards: invocations this instance handed to the holder of another shard and still waits for (they
   * run there, so the invoker's streams never see them). Default none.
   */
  readonly handedOver?: () => readonly HandedOverInvocation[];
}

/** The code an invocation's record ends with when its effector was aborted (by the stop, when stopping). */
export const ABORTED_CODE = 'E_EFFECTOR_ABORTED';

/** An effector invocation, with how long it has run (ms). */
export interface RunningInvocation {
  readonly entity: string;
  readonly effector: string;
  readonly runningMs: number;
}

/** What a run had under way at one moment. */
export interface WorkSnapshot {
  /** Effector invocations still running, with how long each has run (ms). */
  readonly invocations: readonly RunningInvocation[];
  /** Processes the run manages that have neither exited nor been stopped. */
  readonly processes: number;
  /** Knowledge writes not yet in the store. */
  readonly pendingWrites: number;
  /** The step of the stop under way, when stopping. */
  readonly step: string | undefined;
  /** Invocations handed to another instance whose result has not come back (with shards). */
  readonly handedOver?: readonly HandedOverInvocation[];
}

/**
 * Follows what a run has under way (effectors in flight, processes it manages, writes waiting for the store,
 * the step of its stop) from streams it already has, so that a stop cut short can say what it abandons
 * without asking anything that could itself be slow.
 */
export class WorkInFlight {
  private readonly invocations = new Map<string, InFlightInvocation>();
  private readonly processes = new Set<string>();
  private readonly abortedWhileStopping: RunningInvocation[] = [];
  private stopping = false;
  private readonly subscriptions: Subscription[];
  /** The step of the stop under way; set by whoever runs the stop. */
  step: string | undefined;

  constructor(private readonly sources: WorkSources) {
    this.subscriptions = [
      sources.invocationStarted$.subscribe((started) => this.invocations.set(started.id, started)),
      sources.invocationEnded$.subscribe((ended) => {
        const invocation = this.invocations.get(ended.id);
        this.invocations.delete(ended.id);
        if (this.stopping && invocation && ended.error?.code === ABORTED_CODE) {
          this.abortedWhileStopping.push({ entity: invocation.entity, effector: invocation.effector, runningMs: Math.max(0, this.sources.now() - invocation.at) });
        }
      }),
      sources.processEvents$.subscribe((event) => {
        // keyed by entity: an entity has at most one process, and a failed start has no pid
        if (event.kind === 'spawned' || event.kind === 'adopted') this.processes.add(event.entity);
        else if (event.kind === 'exited' || event.kind === 'stopped') this.processes.delete(event.entity);
      }),
    ];
  }

  /** What is under way now. */
  snapshot(): WorkSnapshot {
    const now = this.sources.now();
    return {
      invocations: [...this.invocations.values()].map((i) => ({ entity: i.entity, effector: i.effector, runningMs: Math.max(0, now - i.at) })),
      processes: this.processes.size,
      pendingWrites: this.sources.pendingWrites(),
      step: this.step,
      handedOver: this.sources.handedOver?.() ?? [],
    };
  }

  /**
   * Marks the start of the run's stop: from now on, every invocation whose record ends aborted is kept as one
   * the stop cut short (`aborted`). Only the stop aborts effectors (the engine's at its grace, the API's when
   * the service closes), so these are exactly the ones it did not let finish.
   */
  stopBegan(): void {
    this.stopping = true;
  }

  /** The invocations aborted since the stop began, with how long each had run when it was aborted. */
  aborted(): readonly RunningInvocation[] {
    return [...this.abortedWhileStopping];
  }

  /** Stops following. */
  close(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}

/** The most invocations named one by one; the rest are counted. */
const NAMED_INVOCATIONS = 5;

/**
 * What a snapshot holds as one phrase, e.g. `2 effectors in flight (restart on slow, running 3.1 s; ...),
 * 1 invocation handed to another instance, outcome not known here (restart on web-1, running on host:12:ab3f,
 * handed over 0.4 s ago), 12 knowledge writes not in the store, 1 managed process not stopped, while closing the HTTP service`;
 * `nothing under way` when it holds nothing.
 */
export function describeWork(snapshot: WorkSnapshot): string {
  const parts: string[] = [];
  const { invocations } = snapshot;
  if (invocations.length > 0) {
    const named = invocations.slice(0, NAMED_INVOCATIONS).map((i) => `${i.effector} on ${i.entity}, running ${(i.runningMs / 1000).toFixed(1)} s`);
    const more = invocations.length - named.length;
    parts.push(`${counted(invocations.length, 'effector')} in flight (${named.join('; ')}${more > 0 ? `; and ${more} more` : ''})`);
  }
  const handedOver = snapshot.handedOver ?? [];
  if (handedOver.length > 0) {
    const named = handedOver.slice(0, NAMED_INVOCATIONS).map(describeHandedOver);
    const more = handedOver.length - named.length;
    parts.push(`${counted(handedOver.length, 'invocation')} handed to another instance, outcome not known here (${named.join('; ')}${more > 0 ? `; and ${more} more` : ''})`);
  }
  if (snapshot.pendingWrites > 0) parts.push(`${counted(snapshot.pendingWrites, 'knowledge write')} not in the store`);
  if (snapshot.processes > 0) parts.push(`${counted(snapshot.processes, 'managed process', 'managed processes')} not stopped`);
  const what = parts.length > 0 ? parts.join(', ') : 'nothing under way';
  return snapshot.step === undefined ? what : `${what}, while ${snapshot.step}`;
}

/** `restart on web-1, running on host:12:ab3f, handed over 1.2 s ago` or `..., queued for the holder of shard site-b, ...`. */
function describeHandedOver(handed: HandedOverInvocation): string {
  const where = handed.claimed ? `running on ${handed.to ?? `the holder of shard ${handed.shard}`}` : `queued for ${handed.to === undefined ? 'the holder' : handed.to} of shard ${handed.shard}`;
  return `${handed.effector} on ${handed.entity}, ${where}, handed over ${(handed.waitingMs / 1000).toFixed(1)} s ago`;
}
