// The hostile-input suite (test/hostile): what a careless or hostile user can do to the CLI, the
// library and the worker API must end in a typed error, with nothing lost or overwritten.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/hostile/**/*.test.ts'],
    setupFiles: ['test/hostile/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
