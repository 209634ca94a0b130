import { numberSensor } from '../../sensors/define-sensor.js';

/**
 * The SQL expression (a column of the status query) that counts the sessions a Patroni daemon holds on the
 * server: Patroni connects with the application name `Patroni` (3.0; later versions `Patroni heartbeat` and
 * `Patroni restapi`) and keeps the session open while it manages the server. Any role may read the
 * application name of every session in pg_stat_activity.
 */
export const PATRONI_SESSIONS_SQL = "(SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'Patroni%')::int";

/** `patroni`: how many sessions a Patroni daemon holds on the server (more than 0: Patroni manages it). */
export const PATRONI_SENSOR = numberSensor('patroni', {
  description: "sessions of a Patroni daemon on this server (pg_stat_activity, application name `Patroni…`): more than 0 means Patroni manages it and fails its group over, and the failover policy stands down",
});
