import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closestKey } from '../blueprint/key-suggestions.js';

/**
 * The API's validator compiler: zod's, except that the query parameters and the body keys a route declares
 * are all it takes. One it does not know is a 400 naming it and the known ones (or the likely one it
 * misspells), where zod alone drops it: `GET /decisions?since=...` (the parameter is `from`) would answer
 * every decision as if the filter held, and `POST /policies/:id/suspend {"reasn": ...}` would suspend with
 * the default reason; neither caller would know. Parts that declare no object schema are left as they are.
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
  const message = suggestion !== undefined ? `unknown ${noun} (did you mean '${suggestion}'?)` : `unknown ${noun} (known: ${known.join(', ')})`;
  return { keyword: 'unknown', instancePath: `/${key}`, schemaPath: '#/additionalProperties', params: { additionalProperty: key }, message };
}
