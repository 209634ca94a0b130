import { z } from 'zod';

/** A decimal number as a query string writes it: digits with an optional sign, fraction and exponent. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number in a query string: decimal notation only, then checked by `number` (bounds, whole or not). A plain
 * `z.coerce.number()` reads an empty value as 0 (`?to=` then matched nothing, silently) and takes '0x10',
 * ' 5 ' and '1e400' (Infinity) as numbers; these are refused with the value named.
 * @param number the schema the parsed number must pass, e.g. `z.number().int().min(1).max(10_000)`
 */
export function queryNumber<T extends z.ZodType<number, number>>(number: T) {
  return z
    .string()
    // a pattern rather than a refinement, so that the OpenAPI document shows it
    .regex(DECIMAL, { error: (issue) => `expected a decimal number, got '${String(issue.input)}'` })
    .transform(Number)
    .pipe(z.number().finite({ error: 'expected a decimal number within the range of a double' }))
    .pipe(number);
}
