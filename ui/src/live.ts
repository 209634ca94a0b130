import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { DecisionWindow } from './decision-window.js';
import { LiveStream, type StreamState } from './stream.js';
import type { Decision, Observation } from './types.js';

type Listener = () => void;

/**
 * The console's live state: the recent decisions (loaded once, then kept current from the stream; the newest
 * {@link DecisionWindow.capacity} of them) and sensor readings as they come. One stream for the whole
 * console, resumed with Last-Event-ID.
 */
export class LiveFeed {
  readonly decisions = new DecisionWindow();
  state: StreamState = 'connecting';
  /** Events received since the page loaded (shown, and read by the tests). */
  received = 0;
  private readonly listeners = new Set<Listener>();
  private readonly sensorListeners = new Set<(o: Observation) => void>();
  private readonly stream: LiveStream;
  private connected = false;
  private changes = 0;
  /** The decisions the stream brought since a reload began (undefined when none is under way). */
  private sinceReload: Decision[] | undefined;

  /**
   * @param roots where the session's view starts: the stream of one root's subtree, or without a subtree (the
   * API then sends what lies in any of the caller's scopes) for several
   */
  constructor(roots: readonly string[]) {
    const [only] = roots;
    this.stream = new LiveStream(
      `${roots.length === 1 && only !== undefined ? `subtree=${encodeURIComponent(only)}&` : ''}types=decision,sensor`,
      (event) => {
        this.received++;
        if (event.type === 'decision') {
          const d = event.data as Decision;
          this.decisions.put(d);
          this.sinceReload?.push(d);
          this.changed();
        } else if (event.type === 'sensor') {
          for (const l of this.sensorListeners) l(event.data as Observation);
        } else if (event.type === 'gap') {
          void this.reload();
        }
      },
      (state) => {
        // after a reconnect, the server replays what it still buffers (Last-Event-ID); the decision log
        // fills what a long gap pushed out of that buffer
        if (state === 'live' && this.connected) void this.backfill();
        if (state === 'live') this.connected = true;
        this.state = state;
        this.changed();
      },
    );
  }

  /** Loads the recent decisions, then follows the stream. */
  async start(): Promise<void> {
    this.stream.start();
    const recent = await api<Decision[]>('GET', '/decisions?limit=200');
    for (const d of recent) if (!this.decisions.has(d.id)) this.decisions.put(d);
    this.changed();
  }

  private async backfill(): Promise<void> {
    const latest = this.decisions.newestAt();
    const missed = await api<Decision[]>('GET', `/decisions?from=${latest}&limit=1000`).catch(() => []);
    let added = false;
    for (const d of missed) {
      if (this.decisions.has(d.id)) continue;
      this.decisions.put(d);
      added = true;
    }
    if (added) this.changed();
  }

  /**
   * After a gap (the service restarted and its event ids started again, or its replay buffer no longer holds
   * what this page missed): what is shown is read again from the decision log, with what the stream brought
   * meanwhile. Decisions of an earlier run of the service, which it no longer has, are let go.
   */
  private async reload(): Promise<void> {
    const since: Decision[] = [];
    this.sinceReload = since;
    const recent = await api<Decision[]>('GET', '/decisions?limit=200').catch(() => undefined);
    if (this.sinceReload !== since) return; // a later gap reloads again
    this.sinceReload = undefined;
    if (!recent) return;
    this.decisions.clear();
    for (const d of [...recent, ...since]) this.decisions.put(d);
    this.changed();
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.start();
  }

  /** How many changes were told to the listeners: a view compares it with what it rendered to see whether it missed one. */
  get version(): number {
    return this.changes;
  }

  /** Newest first (at most the window's capacity). */
  list(): readonly Decision[] {
    return this.decisions.list();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSensor(listener: (o: Observation) => void): () => void {
    this.sensorListeners.add(listener);
    return () => this.sensorListeners.delete(listener);
  }

  private changed(): void {
    this.changes++;
    for (const l of this.listeners) l();
  }
}

/**
 * Re-renders the calling component whenever the feed changes. A component follows the feed from its effect,
 * which runs only after the browser has painted its render (a frame later, or much later on a busy machine or
 * in a background tab): a change in between (the recent decisions answered) was told to no one, so the effect
 * renders again when the feed is not at the version the render read.
 */
export function useLive(live: LiveFeed): void {
  const [, setTick] = useState(0);
  const rendered = live.version;
  useEffect(() => {
    const unsubscribe = live.subscribe(() => setTick((t) => t + 1));
    if (live.version !== rendered) setTick((t) => t + 1);
    return unsubscribe;
  }, [live]);
}
