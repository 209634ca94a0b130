import { z } from 'zod';

const SUFFIX: Readonly<Record<string, number>> = {
  m: 1e-3,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};
const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|K|M|G|T|Ki|Mi|Gi|Ti)?$/;

/**
 * Parses a resource amount as Kubernetes writes it: a number, or a string with a suffix (`500m` cpu is 0.5,
 * `512Mi` memory is 536870912 bytes, `2G` is 2e9).
 * @returns the amount, or undefined when the text is not a quantity
 */
export function parseQuantity(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const match = QUANTITY.exec(input.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === undefined ? 1 : (SUFFIX[match[2]] ?? 1));
}

/** A resource amount (`2`, `500m`, `4Gi`), parsed to a number. */
export const quantitySchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const amount = parseQuantity(value);
  if (amount === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${String(value)}' is not an amount: a number, or one with a suffix such as 500m, 512Mi, 4Gi` });
    return z.NEVER;
  }
  return amount;
});

/** Named resources (`cpu`, `memory`, anything declared) -> amount. */
export const resourcesSchema = z.record(z.string().regex(/^[a-z][a-zA-Z0-9_.-]*$/, "a resource name, e.g. 'cpu' or 'memory'"), quantitySchema);

/** Amounts of named resources. */
export type Resources = Readonly<Record<string, number>>;
