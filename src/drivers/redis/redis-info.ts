import { HomeostatError } from '../../core/errors.js';

/** What `INFO replication` says about one Redis server. */
export interface ReplicationInfo {
  /** `master` or `slave`, as Redis names them. */
  readonly role: 'master' | 'slave';
  /** The primary's replication offset (on a primary) or what this replica has processed (on a replica), bytes. */
  readonly offset: number;
  /** Replicas connected to this server (`connected_slaves`). */
  readonly connectedReplicas: number;
  /** On a replica: the primary it follows, `host:port`. */
  readonly master?: string;
  /** On a replica: whether its link to the primary is up (`master_link_status:up`). */
  readonly linkUp?: boolean;
  /** On a replica whose link is down: seconds since it went down (-1 when it never came up). */
  readonly linkDownSeconds?: number;
}

/** A reply that is not what `INFO replication` returns. */
export class RedisInfoError extends HomeostatError {
  constructor(message: string) {
    super('E_REDIS_INFO', message);
  }
}

/** The `key:value` fields of an INFO reply (section headers and blank lines skipped). */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function integer(fields: Map<string, string>, key: string): number | undefined {
  const raw = fields.get(key);
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Parses an `INFO replication` reply.
 * @throws RedisInfoError when the role or offset is missing (not a replication section)
 */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields = infoFields(text);
  const role = fields.get('role');
  if (role !== 'master' && role !== 'slave') throw new RedisInfoError(`INFO replication has no role (got '${String(role)}')`);
  const connectedReplicas = integer(fields, 'connected_slaves') ?? 0;
  if (role === 'master') {
    const offset = integer(fields, 'master_repl_offset');
    if (offset === undefined) throw new RedisInfoError('INFO replication of a master has no master_repl_offset');
    return { role, offset, connectedReplicas };
  }
  const host = fields.get('master_host') ?? '';
  const port = fields.get('master_port') ?? '';
  const linkUp = fields.get('master_link_status') === 'up';
  // a replica that has not synced yet reports slave_repl_offset 0 or none
  const offset = integer(fields, 'slave_repl_offset') ?? 0;
  const down = integer(fields, 'master_link_down_since_seconds');
  return { role, offset, connectedReplicas, master: `${host}:${port}`, linkUp, ...(linkUp || down === undefined ? {} : { linkDownSeconds: down }) };
}
