/** Where a Redis URL points: one server, a primary found through Sentinel, or a cluster. */
export type RedisTarget =
  | { readonly kind: 'single' }
  | { readonly kind: 'sentinel'; readonly hosts: { host: string; port: number }[]; readonly master: string; readonly db: number; readonly username?: string; readonly password?: string }
  | { readonly kind: 'cluster'; readonly hosts: { host: string; port: number }[]; readonly username?: string; readonly password?: string };

const MULTI = /^redis\+(sentinel|cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)(?:\/([^/]*))?(?:\/(\d+))?$/;

/**
 * The URL with its password masked, for messages. A URL's user information ends at its *last* '@' (a password
 * may hold '@', and in a Sentinel or Cluster URL even '/'), so everything from `//` to that '@' is taken as
 * user and password: the user name (up to its first ':') is kept, the rest shown as `***`. A URL with no '@'
 * after its `//` is returned as it is.
 */
export function maskRedisUrl(url: string): string {
  const start = url.indexOf('//');
  const at = url.lastIndexOf('@');
  if (start < 0 || at < start) return url;
  const userinfo = url.slice(start + 2, at);
  const colon = userinfo.indexOf(':');
  return `${url.slice(0, start + 2)}${colon < 0 ? '***' : `${userinfo.slice(0, colon)}:***`}@${url.slice(at + 1)}`;
}

const ENCODE_HINT = "a user name or password holding '/', '?', '#', '@' or ':' must be percent-encoded (e.g. '/' as %2F, '@' as %40)";

/**
 * Checks a `redis://` or `rediss://` URL as ioredis would read it: a URL at all, and a path that is empty or a
 * database number (ioredis would send `SELECT NaN` for `/abc` and fail with a raw reply error).
 * @throws RangeError naming the part that is wrong (the password masked)
 */
function checkSingle(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`'${maskRedisUrl(url)}' is not a valid URL: check the host and the port (1-65535); ${ENCODE_HINT}`);
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
    throw new RangeError(`'${maskRedisUrl(url)}': the path of a Redis URL is the database number (e.g. redis://host:6379/2), not '${parsed.pathname.slice(1)}'`);
  }
}

/**
 * Reads `redis://`, `rediss://`, `redis+sentinel://[user:password@]host:port,host:port/mastername[/db]` and
 * `redis+cluster://[user:password@]host:port,host:port`; a `redis://` path must be a database number.
 * @throws RangeError naming the part that is wrong (the password masked)
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\//.test(url)) {
    checkSingle(url);
    return { kind: 'single' };
  }
  const match = MULTI.exec(url);
  if (!match) throw new RangeError(`'${maskRedisUrl(url)}' is not a Redis URL: use redis://host:port[/db], rediss://..., redis+sentinel://host:port,host:port/mastername[/db] or redis+cluster://host:port,host:port; ${ENCODE_HINT}`);
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
