import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Generated code imports the runtime by the package's name; tests run it from source.
    alias: [
      {
        find: /^@ggen-ts\/runtime$/,
        replacement: fileURLToPath(new URL('./packages/runtime/src/index.ts', import.meta.url)),
      },
      {
        find: /^@ggen-ts\/runtime\/testing$/,
        replacement: fileURLToPath(new URL('./packages/runtime/src/testing/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'generated/**/*.test.ts'],
    // Rebuilds dist/ when a source is newer, so tests that run compiled code never run an old build.
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
