import { truncatedNormal } from './distributions.js';
import { MinHeap } from '../../core/min-heap.js';
import type { Completion, SimRequest } from './request.js';

/** Service model of one server (SWIM's defaults in parentheses). */
export interface ServerModel {
  /** Requests served at once (100). */
  readonly threads: number;
  /** A request that waited this long in the queue is passed through unserved (10 s). */
  readonly timeout: number;
  /** Service time with optional content: truncnormal(mean, sd) (0.030, 0.030). */
  readonly full: { readonly mean: number; readonly sd: number; readonly warmupDelta: number };
  /** Service time without it (0.001, 0.001). */
  readonly low: { readonly mean: number; readonly sd: number; readonly warmupDelta: number };
  /** Requests after which the cache warm-up penalty has fallen to 5 % (6750). */
  readonly warmupRequests: number;
}

/**
 * A processor-sharing server: up to `threads` requests run at once, each at 1/n of full speed, the rest wait
 * in a FIFO queue. Simulated exactly with virtual time: V grows at rate 1/n, a request started at V0 with
 * work w finishes when V reaches V0 + w, so each event costs O(log n).
 */
export class ProcessorSharingServer {
  private readonly running = new MinHeap<SimRequest>((r) => r.tag);
  private readonly queue: SimRequest[] = [];
  private queueHead = 0;
  private virtual = 0;
  private clock: number;
  private served = 0;
  private busy = 0;

  constructor(
    private readonly model: ServerModel,
    private readonly random: () => number,
    startAt: number,
    private readonly onDone: (completion: Completion) => void,
    /** Requests this server has served before (a server that comes back keeps its cache warm, as in SWIM). */
    servedBefore = 0,
    /**
     * The dimmer now, for a request whose content is drawn when its service starts (SWIM's
     * MTBrownoutServer draws it there); a request arriving with its content drawn keeps it.
     */
    private readonly dimmerAtStart: () => number = () => 1,
  ) {
    this.clock = startAt;
    this.served = servedBefore;
  }

  /** Requests served so far (drives the cache warm-up penalty). */
  get servedCount(): number {
    return this.served;
  }

  /** Requests in service plus waiting. */
  get load(): number {
    return this.running.size + this.queue.length - this.queueHead;
  }

  /** Seconds during which at least one request was in service, since `takeBusyTime` was last called. */
  takeBusyTime(): number {
    const busy = this.busy;
    this.busy = 0;
    return busy;
  }

  /** Runs every completion up to time `t` (s). */
  advanceTo(t: number): void {
    for (;;) {
      const next = this.running.peek();
      if (!next) break;
      const n = this.running.size;
      const finishAt = this.clock + (next.tag - this.virtual) * n;
      if (finishAt > t) break;
      this.progress(finishAt);
      this.running.pop();
      this.onDone({ request: next, at: finishAt, served: true });
      this.startWaiting();
    }
    this.progress(t);
  }

  /** A request arrives at time `t` (the caller has advanced the server to `t`). */
  arrive(request: SimRequest, t: number): void {
    this.advanceTo(t);
    if (this.running.size < this.model.threads) this.start(request);
    else this.queue.push(request);
  }

  private progress(t: number): void {
    const n = this.running.size;
    if (n > 0 && t > this.clock) {
      this.virtual += (t - this.clock) / n;
      this.busy += t - this.clock;
    }
    if (t > this.clock) this.clock = t;
  }

  private start(request: SimRequest): void {
    if (request.optional === undefined) request.optional = this.random() < this.dimmerAtStart();
    const spec = request.optional ? this.model.full : this.model.low;
    let work = truncatedNormal(spec.mean, spec.sd, this.random);
    if (work <= 0) work = 1e-6;
    // cache warm-up: delta * exp(-lambda k), with lambda chosen so the penalty is 5 % of delta after warmupRequests
    const lambda = -Math.log(0.05) / this.model.warmupRequests;
    work += spec.warmupDelta * Math.exp(-lambda * this.served);
    this.served += 1;
    request.tag = this.virtual + work;
    this.running.push(request);
  }

  private startWaiting(): void {
    while (this.running.size < this.model.threads && this.queueHead < this.queue.length) {
      const request = this.queue[this.queueHead++] as SimRequest;
      if (this.clock - request.arrival >= this.model.timeout) this.onDone({ request, at: this.clock, served: false });
      else this.start(request);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}
