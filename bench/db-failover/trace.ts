import type { Deployment } from '../../src/blueprint/deployment.js';

/**
 * With BENCH_TRACE set, the benches print homeostat's decisions and the databases' role and service.up
 * changes to stderr, stamped with performance.now() (the clock the faults are stamped with), to see where
 * the time of a failover goes.
 */
export function traceDeployment(deployment: Deployment, databases: readonly string[]): void {
  const stamp = (): string => `[${Math.round(performance.now())}]`;
  deployment.knowledge.decisions$.subscribe((d) => console.error(`${stamp()} decision ${d.policy} ${d.outcome} (execute ${Math.round(d.durations.executeMs)} ms): ${d.reason}${d.detail ? ` (${d.detail})` : ''}${d.error ? ` error ${d.error.code}: ${d.error.message}` : ''}`));
  for (const id of databases) {
    for (const sensor of ['role', 'service.up']) {
      let last: unknown;
      deployment.tree.get(id).sensor(sensor).readings$.subscribe((r) => {
        if (r.value === last) return;
        last = r.value;
        console.error(`${stamp()} ${id} ${sensor} = ${String(r.value)}`);
      });
    }
  }
}
