import { describe, expect, it } from 'vitest';
import { maskRedisUrl, parseRedisUrl } from '../../src/knowledge/redis/redis-url.js';

describe('Redis URLs', () => {
  it('reads one server, Sentinel and Cluster forms', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380/2')).toEqual({ kind: 'single' });
    expect(parseRedisUrl('rediss://u:p@h:1')).toEqual({ kind: 'single' });
    expect(parseRedisUrl('redis+sentinel://a:26379,[::1]:26380/prod-main/3')).toEqual({ kind: 'sentinel', hosts: [{ host: 'a', port: 26379 }, { host: '::1', port: 26380 }], master: 'prod-main', db: 3 });
    expect(parseRedisUrl('redis+sentinel://ops:s%40cret@a:26379/m')).toMatchObject({ kind: 'sentinel', username: 'ops', password: 's@cret', master: 'm', db: 0 });
    expect(parseRedisUrl('redis+cluster://:pw@n1:7000,n2:7001')).toEqual({ kind: 'cluster', hosts: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], password: 'pw' });
  });

  it('says which part is wrong and never repeats a password', () => {
    expect(() => parseRedisUrl('http://h:1')).toThrow(/not a Redis URL/);
    expect(() => parseRedisUrl('redis+sentinel://h:26379')).toThrow(/name the primary Sentinel watches/);
    expect(() => parseRedisUrl('redis+cluster://h:7000/db')).toThrow(/has no path/);
    expect(() => parseRedisUrl('redis+cluster://u:hunter2@h,i:2')).toThrow(/'h' is not host:port/);
    expect(() => parseRedisUrl('redis+cluster://u:hunter2@h,i:2')).not.toThrow(/hunter2/);
    expect(maskRedisUrl('redis://u:hunter2@h:1')).toBe('redis://u:***@h:1');
  });

  it('masks the whole password up to the last @, also one holding / or @', () => {
    expect(maskRedisUrl('redis://:sec@ret@127.0.0.1:16402')).toBe('redis://:***@127.0.0.1:16402');
    expect(maskRedisUrl('redis+sentinel://:pa/ss@127.0.0.1:16402/mymaster')).toBe('redis+sentinel://:***@127.0.0.1:16402/mymaster');
    expect(maskRedisUrl('redis://ops:a@b/c@h:1/2')).toBe('redis://ops:***@h:1/2');
    expect(maskRedisUrl('redis://h:1/2')).toBe('redis://h:1/2');
    expect(() => parseRedisUrl('redis+sentinel://:pa/ss@127.0.0.1:16402/mymaster')).toThrow(/redis\+sentinel:\/\/:\*\*\*@127\.0\.0\.1:16402\/mymaster' is not a Redis URL.*percent-encoded/);
    expect(() => parseRedisUrl('redis+sentinel://:pa/ss@127.0.0.1:16402/mymaster')).not.toThrow(/pa\/ss|ss@/);
  });

  it('refuses a redis:// path that is not a database number, and a URL that is not one, saying why', () => {
    expect(() => parseRedisUrl('redis://127.0.0.1:16401/abc')).toThrow("'redis://127.0.0.1:16401/abc': the path of a Redis URL is the database number (e.g. redis://host:6379/2), not 'abc'");
    expect(() => parseRedisUrl('redis://:hunter2@h:1/x1')).toThrow(/^'redis:\/\/:\*\*\*@h:1\/x1': the path/);
    expect(() => parseRedisUrl('redis://127.0.0.1:99999')).toThrow(/is not a valid URL: check the host and the port \(1-65535\); .*percent-encoded/);
    expect(() => parseRedisUrl('redis://:p#ss@h:1')).toThrow(/percent-encoded/);
    expect(() => parseRedisUrl('redis://:p#ss@h:1')).not.toThrow(/p#ss/);
    expect(parseRedisUrl('redis://h:1/')).toEqual({ kind: 'single' });
    expect(parseRedisUrl('redis://h:1')).toEqual({ kind: 'single' });
  });
});
