import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // example policy modules import the package by name, as a user's do: in tests, the sources under test
  resolve: {
    alias: [
      { find: /^homeostat$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^homeostat\/server$/, replacement: fileURLToPath(new URL('./src/server/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'policies/**/*.test.ts'],
    testTimeout: 20_000,
    // many test files wait on real processes (redis-server, Prometheus, Chromium, PostgreSQL, homeostat
    // instances): three files at once overlap those waits on a 2-core machine (the default runs them one by one)
    maxWorkers: 3,
  },
});
