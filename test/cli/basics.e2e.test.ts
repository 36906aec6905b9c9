import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, ggen, project, repoRoot } from './helpers.js';

describe('CLI basics', () => {
  beforeAll(() => ensureBuilt());

  it('finds ggen.toml upward from a subdirectory; --manifest still wins', () => {
    const dir = project();
    const sub = path.join(dir, 'specs/deeper/still');
    mkdirSync(sub, { recursive: true });
    const up = ggen(sub, ['validate', '--json']);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ status: 'ok', specFiles: ['specs/domain.ttl'] });
    // An explicit --manifest is used as given (relative to the working directory), not searched.
    const given = ggen(sub, ['validate', '--manifest', 'ggen.toml']);
    expect(given.code).toBe(2);
    expect(given.stderr).toContain('ggen.toml: cannot read manifest: ENOENT');
  });

  it('ends quietly when stdout is closed early (ggen --help | head)', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        // Close the reading end before the CLI writes (it takes ~100 ms to start): every write is EPIPE.
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (const args of [['--help'], ['sync', '--help']]) {
      const r = await run(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
  });

  it("README's synopsis lists every flag of every command", () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const synopsis = /## The CLI\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(synopsis).not.toBe('');
    for (const command of ['sync', 'verify', 'validate', 'query', 'init']) {
      const help = ggen(repoRoot, [command, '--help']).stdout;
      const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
      expect(flags.length, command).toBeGreaterThan(0);
      const line = synopsis.split('\n').find((l) => l.startsWith(`ggen ${command}`)) ?? '';
      for (const flag of flags) expect(line, `${command} ${flag}`).toContain(flag);
    }
  });
});
