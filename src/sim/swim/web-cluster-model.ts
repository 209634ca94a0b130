import { HomeostatError } from '../../core/errors.js';
import type { ArrivalSource } from './arrivals.js';
import type { PeriodStats } from './period-stats.js';
import { ProcessorSharingServer, type ServerModel } from './ps-server.js';
import type { Completion, SimRequest } from './request.js';

/** Settings of the simulated web cluster (SWIM's in parentheses). */
export interface WebClusterSettings {
  readonly maxServers: number;
  readonly initialServers: number;
  /** Seconds from adding a server to it serving (60 in SWIM's run 1). */
  readonly bootDelay: number;
  /**
   * Number of dimmer levels, evenly spaced over 0..1 (5): SWIM's managers step the dimmer by one level.
   * Not enforced: `setDimmer` takes any share in 0..1, as SWIM's tactic does.
   */
  readonly dimmerLevels: number;
  /** The dimmer a run starts with (0.9: SWIM's runs set `brownoutFactor = 0.1`). Need not be a level. */
  readonly initialDimmer: number;
  /**
   * When a request's content is drawn against the dimmer: when its service starts (SWIM's MTBrownoutServer,
   * so a request queued across a dimmer change gets the new value) or when it arrives. Default `service`.
   */
  readonly dimmerAppliedAt?: DimmerAppliedAt;
  /** A response slower than this is late (0.75 s). */
  readonly responseTimeThreshold: number;
  readonly server: ServerModel;
  /**
   * Whether a server added again starts with a cold cache. SWIM (`cacheClearsWhenReboot`, default false)
   * keeps it warm: a re-added server carries on from the requests served by the one removed last.
   */
  readonly cacheClearsOnReboot?: boolean;
}

/** When a request's content is drawn against the dimmer (see `WebClusterSettings.dimmerAppliedAt`). */
export type DimmerAppliedAt = 'service' | 'arrival';

/** SWIM's defaults. */
export const SWIM_DEFAULTS: WebClusterSettings = {
  maxServers: 3,
  initialServers: 3,
  bootDelay: 60,
  dimmerLevels: 5,
  initialDimmer: 0.9,
  dimmerAppliedAt: 'service',
  responseTimeThreshold: 0.75,
  cacheClearsOnReboot: false,
  server: {
    threads: 100,
    timeout: 10,
    full: { mean: 0.03, sd: 0.03, warmupDelta: 0.05 },
    low: { mean: 0.001, sd: 0.001, warmupDelta: 0.0019 },
    warmupRequests: 6750,
  },
};

/** Thrown by `resize`/`addServer` beyond `maxServers`: the capacity-limit policy listens for this code. */
export class InsufficientCapacityError extends HomeostatError {
  constructor(asked: number, limit: number) {
    super('E_INSUFFICIENT_CAPACITY', `insufficient capacity: asked for ${asked} servers, at most ${limit} can be had`);
  }
}

interface ServerSlot {
  readonly id: number;
  readonly server: ProcessorSharingServer;
  state: 'booting' | 'active' | 'draining';
  readonly readyAt: number;
}

/**
 * The SWIM web cluster as a discrete-event simulation: requests from an arrival source go round-robin to the
 * active servers; each server is processor-sharing (see ProcessorSharingServer); a new server boots for
 * `bootDelay`; a removed server stops taking requests and leaves when it has drained; the dimmer decides per
 * request whether the response includes optional content. Times are in seconds.
 */
export class WebClusterModel {
  private readonly slots: ServerSlot[] = [];
  /** Requests served by removed servers, newest last: what a re-added server's cache remembers. */
  private readonly retired: number[] = [];
  private nextSlotId = 1;
  private roundRobin = 0;
  private clock: number;
  private pendingArrival: number | undefined;
  private dimmerValue: number;
  // period accumulators
  private periodStart: number;
  private lastIntegration: number;
  private arrivals = 0;
  private completed = 0;
  private responseTimeSum = 0;
  private lateCount = 0;
  private optionalCount = 0;
  private dimmerIntegral = 0;
  private serversIntegral = 0;
  private activeIntegral = 0;
  /** Every change of the active server count: [time s, active servers]. */
  readonly activeSteps: Array<[number, number]> = [];

  constructor(
    readonly settings: WebClusterSettings,
    private readonly source: ArrivalSource,
    private readonly random: () => number,
    startAt = 0,
  ) {
    this.clock = startAt;
    this.periodStart = startAt;
    this.lastIntegration = startAt;
    this.dimmerValue = settings.initialDimmer;
    for (let i = 0; i < settings.initialServers; i++) this.addSlot(startAt, 0);
    this.recordActive(startAt);
    this.pendingArrival = source.next();
  }

  get now(): number {
    return this.clock;
  }

  get dimmer(): number {
    return this.dimmerValue;
  }

  /** Servers that exist (booting and active; draining ones are on their way out). */
  get servers(): number {
    return this.slots.length - this.countIn('draining');
  }

  get active(): number {
    return this.countIn('active');
  }

  get booting(): number {
    return this.countIn('booting');
  }

  /** Simulates everything up to time `t` (s). */
  advanceTo(t: number): void {
    while (this.pendingArrival !== undefined && this.pendingArrival <= t) {
      const at = this.pendingArrival;
      this.step(at);
      this.arrive(at);
      this.pendingArrival = this.source.next();
    }
    this.step(t);
  }

  /**
   * Sets the number of servers: new ones boot, surplus ones (booting first, then the newest) drain and leave.
   * @throws InsufficientCapacityError above maxServers (nothing changes)
   */
  resize(size: number, t: number): void {
    if (size > this.settings.maxServers) throw new InsufficientCapacityError(size, this.settings.maxServers);
    this.advanceTo(t);
    const live = this.slots.filter((s) => s.state !== 'draining');
    for (let i = live.length; i < size; i++) this.addSlot(t, this.settings.bootDelay);
    const surplus = live.length - size;
    if (surplus > 0) {
      const victims = [...live].sort((a, b) => (a.state === b.state ? b.id - a.id : a.state === 'booting' ? -1 : 1)).slice(0, surplus);
      for (const victim of victims) victim.state = 'draining';
      this.removeDrained();
      this.recordActive(t);
    }
  }

  /**
   * Sets the dimmer (the share of requests served with optional content). Any share in 0..1 is taken, as
   * SWIM's SetDimmerTactic takes it: a manager stepping by one level from SWIM's initial 0.9 sets 0.65.
   * @throws RangeError for a value outside 0..1
   */
  setDimmer(value: number, t: number): void {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`dimmer ${value} is not a share between 0 and 1`);
    this.advanceTo(t);
    this.dimmerValue = value;
  }

  /** Closes the current period at `t` and returns what it saw. */
  takePeriod(t: number): PeriodStats {
    this.advanceTo(t);
    const length = t - this.periodStart;
    let busy = 0;
    for (const slot of this.slots) busy += slot.server.takeBusyTime();
    const stats: PeriodStats = {
      from: this.periodStart,
      to: t,
      arrivals: this.arrivals,
      completed: this.completed,
      meanResponseTime: this.completed > 0 ? this.responseTimeSum / this.completed : undefined,
      late: this.lateCount,
      optional: this.optionalCount,
      dimmer: length > 0 ? this.dimmerIntegral / length : this.dimmerValue,
      servers: length > 0 ? this.serversIntegral / length : this.servers,
      activeServers: length > 0 ? this.activeIntegral / length : this.active,
      utilizationTotal: length > 0 ? busy / length : 0,
    };
    this.periodStart = t;
    this.arrivals = this.completed = this.responseTimeSum = this.lateCount = this.optionalCount = 0;
    this.dimmerIntegral = this.serversIntegral = this.activeIntegral = 0;
    return stats;
  }

  private addSlot(t: number, bootDelay: number): void {
    const id = this.nextSlotId++;
    const warm = this.settings.cacheClearsOnReboot === true ? 0 : (this.retired.pop() ?? 0);
    const server = new ProcessorSharingServer(this.settings.server, this.random, t, (c) => this.done(c), warm, () => this.dimmerValue);
    this.slots.push({ id, server, state: bootDelay > 0 ? 'booting' : 'active', readyAt: t + bootDelay });
  }

  /** Moves time to `t`: integrates the period's time-weighted values and finishes boots on the way. */
  private step(t: number): void {
    for (;;) {
      const booting = this.firstReady(t);
      const until = booting ? booting.readyAt : t;
      this.integrate(until);
      for (const slot of this.slots) slot.server.advanceTo(until);
      this.clock = Math.max(this.clock, until);
      this.removeDrained();
      if (!booting) return;
      booting.state = 'active';
      this.recordActive(until);
    }
  }

  /** Slots in `state` (counted, not collected: the simulation asks for every request). */
  private countIn(state: ServerSlot['state']): number {
    let n = 0;
    for (const slot of this.slots) if (slot.state === state) n += 1;
    return n;
  }

  /** The booting slot ready soonest, at or before `t` (the first of equals in slot order), if any. */
  private firstReady(t: number): ServerSlot | undefined {
    let first: ServerSlot | undefined;
    for (const slot of this.slots) if (slot.state === 'booting' && slot.readyAt <= t && (first === undefined || slot.readyAt < first.readyAt)) first = slot;
    return first;
  }

  /** The `k`th active slot in slot order (k below the active count). */
  private activeAt(k: number): ServerSlot {
    let seen = 0;
    for (const slot of this.slots) {
      if (slot.state !== 'active') continue;
      if (seen === k) return slot;
      seen += 1;
    }
    throw new RangeError(`no active server ${k}`);
  }

  /** Records the active count at `t`, merging changes at the same instant into one step. */
  private recordActive(t: number): void {
    const last = this.activeSteps[this.activeSteps.length - 1];
    if (last && last[0] === t) last[1] = this.active;
    else if (!last || last[1] !== this.active) this.activeSteps.push([t, this.active]);
  }

  private integrate(t: number): void {
    const dt = t - this.lastIntegration;
    if (dt <= 0) return;
    this.dimmerIntegral += this.dimmerValue * dt;
    this.serversIntegral += this.servers * dt;
    this.activeIntegral += this.active * dt;
    this.lastIntegration = t;
  }

  private arrive(t: number): void {
    this.arrivals += 1;
    const atArrival = this.settings.dimmerAppliedAt === 'arrival';
    const request: SimRequest = { arrival: t, optional: atArrival ? this.random() < this.dimmerValue : undefined, tag: 0 };
    const active = this.active;
    if (active === 0) {
      // nobody to serve it: it waits out the timeout and is passed through
      this.done({ request, at: t + this.settings.server.timeout, served: false });
      return;
    }
    this.activeAt(this.roundRobin++ % active).server.arrive(request, t);
  }

  private done(completion: Completion): void {
    const responseTime = completion.at - completion.request.arrival;
    this.completed += 1;
    this.responseTimeSum += responseTime;
    if (responseTime > this.settings.responseTimeThreshold) this.lateCount += 1;
    // as in SWIM, a request that timed out counts with the content drawn for it, and one never drawn (it
    // waited out the timeout before its service started) with the optional content
    if (completion.request.optional !== false) this.optionalCount += 1;
  }

  private removeDrained(): void {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i] as ServerSlot;
      if (slot.state === 'draining' && slot.server.load === 0) {
        this.slots.splice(i, 1);
        this.retired.push(slot.server.servedCount);
      }
    }
  }
}
