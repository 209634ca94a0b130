import { INVALID_SPAN_CONTEXT, ProxyTracer, ProxyTracerProvider, ROOT_CONTEXT, SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';

let cachedTracer: ReturnType<typeof trace.getTracer> | undefined;

/**
 * The tracer homeostat uses: a no-op (and nearly free) until the host or the CLI registers an SDK. It is a
 * proxy of the global provider, so caching it still follows an SDK registered later.
 */
export function tracer() {
  return (cachedTracer ??= trace.getTracer('homeostat', '0.1.0'));
}

/** The spans of one loop iteration: the iteration, and the context its children hang from. */
export interface LoopTrace {
  readonly span: Span;
  readonly context: Context;
  /** False without an SDK: then callers skip every other span of the iteration. */
  readonly recording: boolean;
}

/** The provider a global proxy answers with while no SDK is registered (the API's no-op provider). */
const NO_SDK = new ProxyTracerProvider().getDelegate();

/**
 * Set once a span recorded: the cached tracer may then be a proxy that resolved to an SDK's tracer, and
 * keeps it even after the SDK is unregistered, so from then on every iteration asks the tracer as before.
 */
let recordedOnce = false;

/**
 * True when a loop iteration may be traced; false while no SDK was ever seen, so that every span would be a
 * no-op that records nothing (the cached tracer is the API's proxy, and the global provider is the proxy
 * without a delegate). When false, `startLoopTrace` returns `UNTRACED_LOOP`: callers may skip building its
 * attributes.
 */
export function loopTracing(): boolean {
  if (recordedOnce || !(tracer() instanceof ProxyTracer)) return true;
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_SDK;
}

/** A non-recording span shared by every untraced loop iteration: ending it or setting attributes does nothing. */
const UNTRACED_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The loop trace of every iteration while no SDK is registered: nothing allocated per symptom. */
export const UNTRACED_LOOP: LoopTrace = Object.freeze({ span: UNTRACED_SPAN, context: ROOT_CONTEXT, recording: false });

/**
 * Starts the span of one loop iteration (a symptom on its way to a decision), with its analyze span
 * recorded after the fact: analyze ran before anyone knew a symptom would come of it. Without an SDK it
 * allocates nothing and returns `UNTRACED_LOOP`.
 */
export function startLoopTrace(attributes: () => Record<string, string>, analyzeMs: number): LoopTrace {
  if (!loopTracing()) return UNTRACED_LOOP;
  const t = tracer();
  const span = t.startSpan('homeostat.loop');
  // a span that does not record (a sampler dropped it): skip the rest, so tracing costs next to nothing then
  if (!span.isRecording()) return { span, context: context.active(), recording: false };
  recordedOnce = true;
  const attrs = attributes();
  span.setAttributes(attrs);
  const now = Date.now();
  const ctx = trace.setSpan(context.active(), span);
  t.startSpan('homeostat.analyze', { attributes: attrs, startTime: now - analyzeMs }, ctx).end(now);
  return { span, context: ctx, recording: true };
}

/** Runs `work` in a child span of `parent`, ending it with an error status when it throws. */
export function childSpan<T>(parent: Context | undefined, name: string, attributes: Record<string, string | number>, work: (span: Span, ctx: Context) => T): T {
  const active = parent ?? context.active();
  const span = tracer().startSpan(name, { attributes }, active);
  const ctx = trace.setSpan(active, span);
  // a span that does not record has nothing to end or to mark: the work runs as it is, unwrapped
  if (!span.isRecording()) return work(span, ctx);
  recordedOnce = true;
  const fail = (error: unknown): never => {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
    span.end();
    throw error;
  };
  try {
    const result = work(span, ctx);
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          span.end();
          return value;
        },
        fail,
      ) as T;
    }
    span.end();
    return result;
  } catch (error) {
    return fail(error);
  }
}

/** The trace id of a span, or undefined when nothing records traces. */
export function traceIdOf(span: Span): string | undefined {
  const ctx = span.spanContext();
  return span.isRecording() && ctx.traceId !== '00000000000000000000000000000000' ? ctx.traceId : undefined;
}
