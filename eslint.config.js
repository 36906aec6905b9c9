// @ts-check
// Review gate (issue #13): typescript-eslint's recommended rules over the tool's source (src/), the
// runtime (packages/runtime/src), the benchmarks (bench/), the tests (test/) and the generated code
// (generated/). `npm run lint` runs it and `npm test` runs `npm run lint`. The unused-locals/-parameters
// gate is tsc's (noUnusedLocals/noUnusedParameters in tsconfig.check.json); this config agrees with it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals, for the plain .mjs child processes under test/ (ESLint does not know them). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'URL', 'Buffer', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'].map((g) => [
    g,
    'readonly',
  ]),
);

export default tseslint.config(
  {
    ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', '.ggen/**', 'test/mutation/**', 'reports/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Same exemptions as tsc's noUnused* (a leading underscore marks a deliberately unused name; an
      // object rest drops the keys named before it), so the two gates never disagree.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // They escape, or refuse, control characters: their regexes name those characters on purpose.
    files: ['src/pipeline/emit/filters.ts', 'src/pipeline/engine/*.ts', 'test/security/filters.test.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // `current = this` is the running process register (OTP's self()), set around each handler call.
    files: ['packages/runtime/src/process.ts'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test doubles wrap overloaded Node APIs (fs.openSync(...rest)) and script untyped events; `any`
      // is the honest type there, and the code under test is held to the rule.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
