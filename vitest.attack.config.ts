import { defineConfig } from 'vitest/config';

// `npm run attack`: the heavier attacks (hundreds of clients, a full and a read-only disk, floods),
// bounded so that CI can run them in about two minutes. Each prints what it tried, what survived
// and what was lost; docs/security.md holds the figures of a run.
export default defineConfig({
  test: {
    include: ['test/attack/**/*.attack.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    // One at a time: each attack wants the machine's two cores to itself.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
