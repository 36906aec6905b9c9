import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = path.join(repoRoot, 'dist/src/cli/main.js');
export const fixture = (name: string): string => path.join(repoRoot, 'test/fixtures/cli', name);

/**
 * The CLI runs compiled. The test setup (test/support/build.ts) rebuilds dist/ whenever a source is
 * newer than the last build, so this only fails loudly if that did not happen.
 */
export function ensureBuilt(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing although the test setup builds dist/ first`);
}

export function project(name = 'basic'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-cli-'));
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function ggen(cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function ggenAsync(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Every file under dir (relative path → sha256), excluding the inputs we copied in. */
export function snapshot(dir: string, under: string[] = ['generated', 'receipts']): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string): void => {
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs).sort()) walk(path.join(abs, e));
    else out[path.relative(dir, abs)] = createHash('sha256').update(readFileSync(abs)).digest('hex');
  };
  for (const u of under) walk(path.join(dir, u));
  return out;
}
