import type { FastifySchemaCompiler, FastifySchemaValidationError, RouteOptions } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closestKey } from '../blueprint/key-suggestions.js';

/**
 * The API's validator compiler: zod's, except that the query parameters and the body keys a route declares
 * are all it takes. One it does not know is a 400 naming it and the known ones (or the likely one it
 * misspells), where zod alone drops it: `GET /decisions?since=...` (the parameter is `from`) would answer
 * every decision as if the filter held, and `POST /policies/:id/suspend {"reasn": ...}` would suspend with
 * the default reason; neither caller would know. Parts that declare no object schema are left as they are
 * (`takesNoQueryParameters` gives a route's query string one).
 */
export const strictKeysValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  const known = route.httpPart === 'querystring' || route.httpPart === 'body' ? declaredKeys(route.schema) : undefined;
  if (known === undefined) return validate;
  const noun = route.httpPart === 'body' ? 'key' : 'parameter';
  return (data: unknown) => {
    const unknown = unknownKeys(data, known);
    return unknown.length === 0 ? validate(data) : { error: unknown.map((key) => unknownKeyError(key, known, noun)) };
  };
};

/** The keys an object schema declares, through `optional`/`nullable`/`nullish`; undefined for any other schema. */
function declaredKeys(schema: unknown): string[] | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap();
  return current instanceof z.ZodObject ? Object.keys(current.shape).sort() : undefined;
}

/** The keys of a parsed query string or JSON object that are not among `known`, in the order given. */
function unknownKeys(data: unknown, known: readonly string[]): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.keys(data).filter((key) => !known.includes(key));
}

/** `querystring/since unknown parameter (did you mean 'from'?)` once fastify prefixes where. */
function unknownKeyError(key: string, known: readonly string[], noun: string): FastifySchemaValidationError {
  const suggestion = closestKey(key, known);
  const hint = suggestion !== undefined ? `did you mean '${suggestion}'?` : known.length > 0 ? `known: ${known.join(', ')}` : `this route takes no ${noun}s`;
  const message = `unknown ${noun} (${hint})`;
  return { keyword: 'unknown', instancePath: `/${key}`, schemaPath: '#/additionalProperties', params: { additionalProperty: key }, message };
}

/** The query string of a route that takes no parameters: any one given is refused (see `takesNoQueryParameters`). */
const NO_QUERY_PARAMETERS = z.object({});

/**
 * An `onRoute` hook: a route that declares no query string takes none, so that one given to it is a 400 naming
 * it (`GET /entities/db?depth=2`, `POST /policies/p/resume?dryRun=true` were answered as if it were not
 * there). Routes hidden from the API's document (the console's files, the 405 answers, `/metrics`, `/docs`)
 * and those named in `lenient` (probes such as `/health`, which a load balancer may call with a cache-buster)
 * are left to take any.
 */
export function takesNoQueryParameters(lenient: ReadonlySet<string>): (route: RouteOptions) => void {
  return (route) => {
    const schema = route.schema ?? {};
    if (schema.querystring !== undefined || (schema as { hide?: boolean }).hide === true || lenient.has(route.url)) return;
    route.schema = { ...schema, querystring: NO_QUERY_PARAMETERS };
  };
}
