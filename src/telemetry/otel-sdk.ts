import type { Logger } from 'pino';
import { HomeostatError } from '../core/errors.js';
import { dynamicImport } from '../core/dynamic-import.js';

/** A started OpenTelemetry SDK, as far as homeostat needs it: something to shut down at stop. */
export interface StartedSdk {
  shutdown(): Promise<void>;
}

/** Raised when the OTEL_* environment asks for tracing but @opentelemetry/sdk-node is not installed. */
export class OtelSdkMissingError extends HomeostatError {
  constructor(variable: string) {
    super('E_OTEL_SDK_MISSING', `${variable} asks for OpenTelemetry tracing, but @opentelemetry/sdk-node is not installed: install it next to homeostat (npm install @opentelemetry/sdk-node) or unset ${variable}`);
  }
}

/**
 * The OTEL_* variable that asks for an SDK (a traces exporter other than `none`, or an OTLP endpoint), or
 * undefined when none does or OTEL_SDK_DISABLED is true (read as the SDK reads it: `TRUE` and ` true ` too,
 * so that the log never says tracing started when the SDK has disabled itself).
 */
export function otelRequest(env: NodeJS.ProcessEnv): string | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  if (env['OTEL_TRACES_EXPORTER'] && env['OTEL_TRACES_EXPORTER'] !== 'none') return 'OTEL_TRACES_EXPORTER';
  return ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].find((name) => Boolean(env[name]));
}

/** The SDK module's shape that homeostat uses, so that its types are not needed where it is absent. */
interface SdkModule {
  NodeSDK: new (options: { serviceName: string }) => StartedSdk & { start(): void };
}

/**
 * Starts the OpenTelemetry Node SDK when the standard environment asks for it. The SDK (tens of MB with its
 * exporters) is an optional peer dependency loaded only then, so embedders and the default CLI run without it;
 * the library itself only ever uses @opentelemetry/api.
 * @param load imports the SDK module; replaceable in tests
 * @throws OtelSdkMissingError when tracing is asked for and the SDK is not installed
 */
export async function startOtelSdk(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  load: () => Promise<unknown> = () => dynamicImport('@opentelemetry/sdk-node'),
): Promise<StartedSdk | undefined> {
  const variable = otelRequest(env);
  if (variable === undefined) return undefined;
  let sdkModule: SdkModule;
  try {
    sdkModule = (await load()) as SdkModule;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new OtelSdkMissingError(variable);
    throw error;
  }
  const sdk = new sdkModule.NodeSDK({ serviceName: env['OTEL_SERVICE_NAME'] ?? 'homeostat' });
  sdk.start();
  logger.info({ exporter: env['OTEL_TRACES_EXPORTER'] ?? 'otlp' }, `OpenTelemetry tracing started (${variable})`);
  return sdk;
}
