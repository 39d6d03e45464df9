import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Namespace and daemon tests are CPU-bound on a 2-core machine: two files at a time.
    maxWorkers: 2,
  },
});
