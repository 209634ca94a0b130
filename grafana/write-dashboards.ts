// `npm run dashboards`: writes grafana/dashboards/*.json from grafana/dashboards.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { dashboards } from './dashboards.js';

for (const [name, dashboard] of Object.entries(dashboards)) {
  writeFileSync(path.join(import.meta.dirname, 'dashboards', `${name}.json`), `${JSON.stringify(dashboard, null, 2)}\n`);
}
