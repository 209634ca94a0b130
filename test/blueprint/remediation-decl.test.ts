import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

const blueprint = (config: string, feed = '{ kind: scan-report, path: report.json, sensor: vulnerabilities }') => `name: t
application:
  id: shop
  sensors: [{ name: vulnerabilities, type: json }]
  feeds: [${feed}]
  policies:
    - use: remediation
      config: ${config}
  children:
    - { id: db, type: sim.server }
    - { id: api, type: sim.server }
`;

describe('remediation declarations are validated with positions', () => {
  it('accepts a complete declaration', async () => {
    expect(await problemsOf(blueprint('{ dependsOn: { api: [db] }, maintenanceWindows: [{ cron: "0 2 * * 1-5", duration: 2h }], fix: { effector: update, params: { version: "{{fixedVersion}}" } } }'))).toEqual([]);
  });

  it('reports a bad cron, a dependency cycle, an unknown entity, a template field and a report format, each where it is', async () => {
    const problems = await problemsOf(
      blueprint(
        '{ dependsOn: { api: [db], db: [api, cache] }, maintenanceWindows: [{ cron: "0 25 * * *", duration: 1h }], fix: { params: { version: "{{fixed}}" } } }',
        '{ kind: scan-report, path: report.json, sensor: vulnerabilities, format: sarif }',
      ),
    );
    expect(problems.join('\n')).toMatch(/^5:\d+: .*format/m);
    expect(problems.join('\n')).toMatch(/^8:\d+: .*'0 25 \* \* \*' is not a valid cron expression/m);
    expect(problems.join('\n')).toMatch(/^8:\d+: .*dependency cycle: (api -> db -> api|db -> api -> db)/m);
    expect(problems.join('\n')).toMatch(/^8:\d+: .*\{\{fixed\}\} is not a fix field/m);
  });

  it('reports a dependency on an entity that is not in the tree', async () => {
    expect((await problemsOf(blueprint('{ dependsOn: { api: [cache] } }'))).join('\n')).toMatch(/^8:\d+: .*cache/m);
  });
});
