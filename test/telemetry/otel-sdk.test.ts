import { context, propagation, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OtelSdkMissingError, otelRequest, startOtelSdk } from '../../src/telemetry/otel-sdk.js';

const silent = pino({ level: 'silent' });
const missing = () => Promise.reject(Object.assign(new Error("Cannot find package '@opentelemetry/sdk-node'"), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('loading the OpenTelemetry SDK', () => {
  it('is asked for only by the OTEL_* variables that name an exporter or an endpoint', () => {
    expect(otelRequest({})).toBeUndefined();
    expect(otelRequest({ OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(otelRequest({ OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
    expect(otelRequest({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe('OTEL_TRACES_EXPORTER');
    expect(otelRequest({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(otelRequest({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  // the SDK reads its booleans without regard to case or blanks: with TRUE it disabled itself while the log
  // said "OpenTelemetry tracing started"
  it('reads OTEL_SDK_DISABLED as the SDK does, whatever its case', () => {
    for (const disabled of ['TRUE', 'True', ' true ']) expect(otelRequest({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: disabled })).toBeUndefined();
    for (const enabled of ['false', '1', 'yes', '']) expect(otelRequest({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: enabled })).toBe('OTEL_TRACES_EXPORTER');
  });

  it('does not even import the SDK when nothing asks for it', async () => {
    let imported = false;
    const sdk = await startOtelSdk(silent, {}, () => {
      imported = true;
      return Promise.resolve({});
    });
    expect(sdk).toBeUndefined();
    expect(imported).toBe(false);
  });

  it('says what to install when the environment asks for tracing and the SDK is absent', async () => {
    const attempt = startOtelSdk(silent, { OTEL_TRACES_EXPORTER: 'console' }, missing);
    await expect(attempt).rejects.toBeInstanceOf(OtelSdkMissingError);
    await expect(attempt).rejects.toMatchObject({ code: 'E_OTEL_SDK_MISSING' });
    await expect(attempt).rejects.toThrow(/OTEL_TRACES_EXPORTER asks for OpenTelemetry tracing, but @opentelemetry\/sdk-node is not installed: install it/);
  });

  it('starts the real SDK (a dev dependency here) and shuts it down', async () => {
    const sdk = await startOtelSdk(silent, { OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    expect(sdk).toBeDefined();
    await sdk?.shutdown();
    // leave no global provider behind for whatever runs next in this process
    trace.disable();
    context.disable();
    propagation.disable();
  });
});
