/**
 * A throwaway copy of the payments fixture (test/fixtures/payments) set up as an installed project:
 * no hand-written code yet, this checkout's node_modules (with the runtime's workspace link), and a
 * strict tsconfig over generated/ and src/. The generation-gap suites sync it and compile it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ensureBuilt, ggen, repoRoot } from '../cli/helpers.js';

export interface PaymentsProject {
  dir: string;
  /** Copies the fixture in; call from beforeAll. */
  setUp(): void;
  /** `ggen sync`, which must succeed silently. */
  sync(): void;
  /** `tsc -p tsconfig.json` in the project. */
  tsc(): { code: number | null; out: string };
  remove(): void;
}

export function paymentsProject(prefix: string): PaymentsProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    setUp() {
      ensureBuilt();
      cpSync(path.join(repoRoot, 'test/fixtures/payments'), dir, { recursive: true });
      rmSync(path.join(dir, 'handwritten'), { recursive: true });
      // The runtime resolves from this checkout's node_modules (its workspace link), as in an installed project.
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          include: ['generated/**/*.ts', 'src/**/*.ts'],
          exclude: ['generated/**/*.test.ts'],
        }),
      );
    },
    sync() {
      const r = ggen(dir, ['sync']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    },
    tsc() {
      const r = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
        { cwd: dir, encoding: 'utf8' },
      );
      return { code: r.status, out: r.stdout + r.stderr };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
