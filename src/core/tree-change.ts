import type { Entity } from './entity.js';

/** A structural change of the tree, announced on `EntityTree.changes$`. */
export type TreeChange =
  | { readonly kind: 'added'; readonly entity: Entity; readonly parent: Entity | undefined }
  | { readonly kind: 'removed'; readonly entity: Entity; readonly parent: Entity | undefined }
  | { readonly kind: 'member-added'; readonly entity: Entity; readonly group: Entity }
  | { readonly kind: 'member-removed'; readonly entity: Entity; readonly group: Entity };
