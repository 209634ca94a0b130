/** Where a Redis URL points: one server, a primary found through Sentinel, or a cluster. */
export type RedisTarget =
  | { readonly kind: 'single' }
  | { readonly kind: 'sentinel'; readonly hosts: { host: string; port: number }[]; readonly master: string; readonly db: number; readonly username?: string; readonly password?: string }
  | { readonly kind: 'cluster'; readonly hosts: { host: string; port: number }[]; readonly username?: string; readonly password?: string };

const MULTI = /^redis\+(sentinel|cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)(?:\/([^/]*))?(?:\/(\d+))?$/;

/** The URL with its password masked, for messages. */
export function maskRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/**
 * Reads `redis://`, `rediss://`, `redis+sentinel://[user:password@]host:port,host:port/mastername[/db]` and
 * `redis+cluster://[user:password@]host:port,host:port`.
 * @throws RangeError naming the part that is wrong (the password masked)
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\//.test(url)) return { kind: 'single' };
  const match = MULTI.exec(url);
  if (!match) throw new RangeError(`'${maskRedisUrl(url)}' is not a Redis URL: use redis://host:port, rediss://..., redis+sentinel://host:port,host:port/mastername or redis+cluster://host:port,host:port`);
  const [, kind, user, password, hostList = '', master, db] = match;
  const hosts = hostList.split(',').map((part) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(part);
    if (!hostPort) throw new RangeError(`'${maskRedisUrl(url)}': '${part}' is not host:port`);
    return { host: (hostPort[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(hostPort[2]) };
  });
  const auth = { ...(user ? { username: decodeURIComponent(user) } : {}), ...(password ? { password: decodeURIComponent(password) } : {}) };
  if (kind === 'cluster') {
    if (master) throw new RangeError(`'${maskRedisUrl(url)}': a cluster URL has no path (the cluster has no master name or database)`);
    return { kind: 'cluster', hosts, ...auth };
  }
  if (!master) throw new RangeError(`'${maskRedisUrl(url)}': name the primary Sentinel watches, e.g. redis+sentinel://host:26379/mymaster`);
  return { kind: 'sentinel', hosts, master: decodeURIComponent(master), db: db === undefined ? 0 : Number(db), ...auth };
}
