/**
 * Vitest config for the mutation run (stryker.config.json): only the suites that exercise the
 * scoped, safety-critical files in-process. Suites that run compiled code in child processes
 * cannot see Stryker's mutants, so they are left out here (they still run in `npm test`).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * MUTATE_TESTS (comma-separated globs) narrows the suites to those covering the file being mutated,
 * for per-file runs (e.g. gen_statem: MUTATE_TESTS='test/runtime/gen-statem*.test.ts,test/runtime/otp-*.test.ts').
 */
const only = process.env.MUTATE_TESTS?.split(',')
  .map((g) => g.trim())
  .filter((g) => g !== '');

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // no build: the suites below run source, and Stryker's sandbox holds instrumented source
    globalSetup: [],
    // A mutant that loses a reply or a timer leaves a test waiting: with bail, failing it inside
    // vitest is far cheaper than Stryker's timeout, which restarts the whole vitest worker, so this
    // must stay well below Stryker's (net time x 1.5 + timeoutMS 15000). 10 s fits every suite here
    // on a loaded machine (the slowest, the refresh store's upkeep, takes ~4 s there); a per-file
    // run over fast suites can lower it, e.g. gen_statem's: MUTATE_TEST_TIMEOUT=3000 with
    // --timeoutMS 8000. Hooks keep the base's 30 s (some build fixtures). Mutants that spin
    // synchronously still hit Stryker's timeout.
    testTimeout: Number(process.env.MUTATE_TEST_TIMEOUT ?? 10_000),
    // replaces base's include (mergeConfig would append to it)
    include: only?.length
      ? only
      : [
          'test/pipeline/write.test.ts',
          'test/pipeline/write-*.test.ts',
          'test/pipeline/receipt.test.ts',
          'test/pipeline/dsse*.test.ts',
          'test/pipeline/statement-*.test.ts',
          'test/pipeline/verify*.test.ts',
          'test/pipeline/fast-path.test.ts',
          'test/pipeline/bindings*.test.ts',
          'test/pipeline/extract.test.ts',
          'test/pipeline/emit.test.ts',
          'test/pipeline/filters-*.test.ts',
          // the escaping filters' context tests (regex, comment, markdown) run in-process too
          'test/security/filters.test.ts',
          'test/patterns/ledger.test.ts',
          'test/patterns/ledger-*.test.ts',
          'test/auth/*.test.ts',
          'test/runtime/supervisor.test.ts',
          'test/runtime/supervisor-*.test.ts',
          'test/runtime/gen-statem.test.ts',
          'test/runtime/gen-statem-*.test.ts',
          // OTP's own suites (supervisor, gen_server, gen_statem cases) ported: they run the runtime in-process
          'test/runtime/otp-*.test.ts',
        ],
    exclude: ['test/patterns/ledger-crash.test.ts', '**/node_modules/**'],
  },
});
