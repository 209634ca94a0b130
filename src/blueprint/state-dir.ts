import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Blueprint } from './resolved.js';

/** One state folder per blueprint file (HOMEOSTAT_STATE_DIR overrides), so two blueprints never share pid files. */
export function blueprintStateDir(blueprint: Blueprint): string {
  if (process.env['HOMEOSTAT_STATE_DIR']) return process.env['HOMEOSTAT_STATE_DIR'];
  const home = process.env['XDG_STATE_HOME'] ?? path.join(process.env['HOME'] ?? '.', '.local', 'state');
  const hash = createHash('sha256').update(path.resolve(blueprint.file)).digest('hex').slice(0, 8);
  return path.join(home, 'homeostat', `${blueprint.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}`);
}
