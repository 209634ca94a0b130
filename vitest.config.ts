import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that run in a fresh process of their own, as every file once did: those that change what a whole
 * process shares (OpenTelemetry's global providers, process.env, signal and exit listeners of the CLI, global
 * fetch), and those that drive real servers and processes against the clock (drivers, clusters, the browser,
 * the package, the README's commands), which must not share an event loop with what an earlier file left running.
 */
const OWN_PROCESS = [
  'test/telemetry/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/drivers/**/*.test.ts',
  'test/cluster/**/*.test.ts',
  'test/ui/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/readme/**/*.test.ts',
  'test/core/broadcast.test.ts',
  'test/effectors/kinds/exec.test.ts',
  'test/effectors/kinds/http.test.ts',
  'test/effectors/secret-params.test.ts',
  'test/security/secret-stores.test.ts',
  'test/sensors/feeds/http-exec.test.ts',
  'test/server/anonymous-refusal-count.test.ts',
  'test/server/stop-coordinator-grace.test.ts',
];

const INCLUDE = ['test/**/*.test.ts', 'policies/**/*.test.ts'];

export default defineConfig({
  // example policy modules import the package by name, as a user's do: in tests, the sources under test
  resolve: {
    alias: [
      { find: /^homeostat$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^homeostat\/server$/, replacement: fileURLToPath(new URL('./src/server/index.ts', import.meta.url)) },
    ],
  },
  test: {
    testTimeout: 20_000,
    // many test files wait on real processes (redis-server, Prometheus, Chromium, PostgreSQL, homeostat
    // instances): three files at once overlap those waits on a 2-core machine (the default runs them one by one)
    maxWorkers: 3,
    projects: [
      // the rest share a worker's loaded modules from one file to the next: loading the library and its
      // dependencies again for each of 350 files was a third of the suite's time
      { extends: true, test: { name: 'shared', include: INCLUDE, exclude: [...configDefaults.exclude, ...OWN_PROCESS], isolate: false } },
      { extends: true, test: { name: 'own-process', include: OWN_PROCESS, isolate: true } },
    ],
  },
});
