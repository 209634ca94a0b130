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
  return asNumber(decimalText(), number).meta(documentedAs(number));
}

/**
 * A number in a query string (see `queryNumber`) that is `fallback` when the parameter is absent. (The OpenAPI
 * document gives the type and bounds; the provider does not carry the default over.)
 */
export function queryNumberOr(number: z.ZodNumber, fallback: number) {
  return decimalText()
    .optional()
    .transform((text) => (text === undefined ? fallback : Number(text)))
    .pipe(z.number().finite({ error: FINITE }))
    .pipe(number)
    .meta({ ...documentedAs(number), default: fallback });
}

/** Query text that must be a decimal number, refused naming the value. */
function decimalText() {
  return z.string().regex(DECIMAL, { error: (issue) => `expected a decimal number, got '${String(issue.input)}'` });
}

/** The number that decimal `text` writes, checked by `number`. */
function asNumber<T extends z.ZodType<number, number>>(text: z.ZodString, number: T) {
  return text.transform(Number).pipe(z.number().finite({ error: FINITE })).pipe(number);
}

/** What a decimal number too large for a double is told. */
const FINITE = 'expected a decimal number within the range of a double';

/**
 * What the OpenAPI document says of such a parameter: the number's own JSON schema (type, bounds), as it read
 * before query numbers were checked as text; a client then knows `?limit=20000` is refused.
 */
function documentedAs(number: z.ZodType<number, number>): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(number, { unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}
