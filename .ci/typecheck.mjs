#!/usr/bin/env node
// `npm run typecheck`: tsc over tsconfig.check.json (src, runtime, bench, test, generated; strict with
// noUnusedLocals/noUnusedParameters), printing every diagnostic and exiting 1 on any, as `tsc -p` does,
// except the unused-name diagnostics in the files .ci/unused-todo.json lists (TODO issue #13: emptied
// once lane view's templates stop producing them; then this is plain `tsc -p tsconfig.check.json`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const todo = new Set(
  JSON.parse(readFileSync(path.join(root, '.ci/unused-todo.json'), 'utf8')).files.map((f) => path.join(root, f)),
);
// TS6133 'x' is declared but never read; 6138 property never read; 6192 all imports unused;
// 6196 declared but never used; 6198 all destructured elements unused; 6199 all variables unused;
// 6205 all type parameters unused.
const UNUSED = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);

const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) };
const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.check.json'), {}, host);
if (!config) process.exit(2);
const program = ts.createProgram({
  rootNames: config.fileNames,
  options: config.options,
  projectReferences: config.projectReferences,
});
const all = [...config.errors, ...ts.getPreEmitDiagnostics(program)];
const kept = all.filter((d) => !(d.file && todo.has(path.resolve(d.file.fileName)) && UNUSED.has(d.code)));
const skipped = all.length - kept.length;
report(kept);
if (skipped > 0)
  console.error(
    `typecheck: ${skipped} unused-name diagnostic(s) in .ci/unused-todo.json's files not counted (TODO issue #13)`,
  );
process.exit(kept.length > 0 ? 1 : 0);

function report(diagnostics) {
  if (diagnostics.length === 0) return;
  const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(diagnostics, formatHost));
}
