import { createHash } from 'node:crypto';
import path from 'node:path';
import { renderTemplate } from '../../effectors/kinds/template.js';
import type { LaunchSpec } from './managed-process.js';
import type { ProcessConfig } from './process-config.js';

/** Variables a process gets when `inheritEnv` is false. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

/** The values a process template is rendered with. */
export interface LaunchScope {
  readonly id: string;
  readonly index?: number;
  readonly port?: number;
  readonly version: string;
}

/** True when any template of the config names `{{port}}`. */
export function usesPort(config: ProcessConfig): boolean {
  const texts = [config.command, ...config.args, ...Object.values(config.env), config.cwd ?? '', config.health?.http ?? ''];
  return texts.some((t) => /\{\{\s*port\s*\}\}/.test(t)) || config.health?.tcp === true;
}

/**
 * What to start, from the config and the member's place; and a hash of it, so a later run adopts a process
 * only when it was started from the same spec.
 */
export function launchSpec(config: ProcessConfig, scope: LaunchScope, dirs: { baseDir: string; logDir: string }): { spec: LaunchSpec; hash: string } {
  const values = { id: scope.id, index: scope.index ?? '', port: scope.port ?? '', version: scope.version };
  const render = (text: string): string => renderTemplate(text, values);
  const declared = Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, render(v)]));
  const base: Record<string, string> = {};
  for (const name of config.inheritEnv ? Object.keys(process.env) : BASE_ENV) if (process.env[name] !== undefined) base[name] = process.env[name] as string;
  const own: Record<string, string> = {
    HOMEOSTAT_ENTITY: scope.id,
    ...(scope.index === undefined ? {} : { HOMEOSTAT_INDEX: String(scope.index) }),
    ...(scope.port === undefined ? {} : { PORT: String(scope.port) }),
    ...declared,
  };
  const command = render(config.command);
  const args = config.args.map(render);
  const cwd = path.resolve(dirs.baseDir, config.cwd === undefined ? '.' : render(config.cwd));
  const hash = createHash('sha256').update(JSON.stringify({ command, args, own, cwd })).digest('hex').slice(0, 16);
  return {
    spec: { command, args, env: { ...base, ...own }, cwd, stdoutFile: path.join(dirs.logDir, `${scope.id}.out.log`), stderrFile: path.join(dirs.logDir, `${scope.id}.err.log`) },
    hash,
  };
}

/** The health URL of a process, rendered; undefined without an HTTP check. */
export function healthUrl(config: ProcessConfig, scope: LaunchScope): string | undefined {
  return config.health?.http === undefined ? undefined : renderTemplate(config.health.http, { id: scope.id, index: scope.index ?? '', port: scope.port ?? '', version: scope.version });
}
