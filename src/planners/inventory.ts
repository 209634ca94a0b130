import { z } from 'zod';

/** One package an entity runs. `ecosystem` (npm, deb...) may be left out: findings of any ecosystem then match by name. */
export const inventoryPackageSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  ecosystem: z.string().min(1).optional(),
});

/** An inventory reading: a list of packages, or `{ packages: [...] }` (what a program's `--inventory` prints). */
export const inventorySchema = z.union([z.array(inventoryPackageSchema), z.looseObject({ packages: z.array(inventoryPackageSchema) })]).transform((v) => (Array.isArray(v) ? v : v.packages));

/** One package of an inventory. */
export type InventoryPackage = z.output<typeof inventoryPackageSchema>;

/** What one entity runs, as last read, or why it is not known. */
export interface EntityInventory {
  readonly entity: string;
  /** Undefined when there is no fresh, readable reading (then `why` says so). */
  readonly packages?: readonly InventoryPackage[];
  /** When the packages were read (ms). */
  readonly at?: number;
  readonly why?: string;
}

/** Reads an inventory value; a value of the wrong shape is `why`, naming the first wrong field. */
export function readInventory(entity: string, value: unknown, at: number | undefined): EntityInventory {
  if (value === undefined || at === undefined) return { entity, why: 'no inventory reading' };
  const parsed = inventorySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { entity, why: `inventory unreadable at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'wrong shape'}` };
  }
  return { entity, packages: parsed.data, at };
}
