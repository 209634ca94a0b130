import { SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';

/** The tracer homeostat uses: a no-op (and nearly free) until the host or the CLI registers an SDK. */
export function tracer() {
  return trace.getTracer('homeostat', '0.1.0');
}

/** The spans of one loop iteration: the iteration, and the context its children hang from. */
export interface LoopTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the span of one loop iteration (a symptom on its way to a decision), with its analyze span
 * recorded after the fact: analyze ran before anyone knew a symptom would come of it.
 */
export function startLoopTrace(attributes: Record<string, string>, analyzeMs: number): LoopTrace {
  const t = tracer();
  const now = Date.now();
  const span = t.startSpan('homeostat.loop', { attributes, startTime: now - analyzeMs });
  const ctx = trace.setSpan(context.active(), span);
  t.startSpan('homeostat.analyze', { attributes, startTime: now - analyzeMs }, ctx).end(now);
  return { span, context: ctx };
}

/** Runs `work` in a child span of `parent`, ending it with an error status when it throws. */
export function childSpan<T>(parent: Context | undefined, name: string, attributes: Record<string, string | number>, work: (span: Span, ctx: Context) => T): T {
  const span = tracer().startSpan(name, { attributes }, parent ?? context.active());
  const ctx = trace.setSpan(parent ?? context.active(), span);
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
