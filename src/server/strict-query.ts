import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closestKey } from '../blueprint/key-suggestions.js';

/**
 * The API's validator compiler: zod's, except that a route's declared query parameters are all it takes. A
 * parameter it does not know is a 400 that names it and the known ones (or the likely one it misspells), where
 * zod alone drops it: `GET /decisions?since=...` (the parameter is `from`) would answer every decision, as if
 * the filter held, and the caller would never know. Routes that declare no query parameters are left as they are.
 */
export const strictQueryValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  const schema: unknown = route.schema;
  if (route.httpPart !== 'querystring' || !(schema instanceof z.ZodObject)) return validate;
  const known = Object.keys(schema.shape).sort();
  return (data: unknown) => {
    const unknown = unknownParameters(data, known);
    return unknown.length === 0 ? validate(data) : { error: unknown.map((key) => unknownParameterError(key, known)) };
  };
};

/** The keys of a parsed query string that are not among `known`, in the order given. */
function unknownParameters(data: unknown, known: readonly string[]): string[] {
  if (typeof data !== 'object' || data === null) return [];
  return Object.keys(data).filter((key) => !known.includes(key));
}

/** `querystring/since unknown parameter (did you mean 'from'?)` once fastify prefixes where. */
function unknownParameterError(key: string, known: readonly string[]): FastifySchemaValidationError {
  const suggestion = closestKey(key, known);
  const message = suggestion !== undefined ? `unknown parameter (did you mean '${suggestion}'?)` : `unknown parameter (known: ${known.join(', ')})`;
  return { keyword: 'unknown', instancePath: `/${key}`, schemaPath: '#/additionalProperties', params: { additionalProperty: key }, message };
}
