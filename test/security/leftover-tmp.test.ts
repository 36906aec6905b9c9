/**
 * A sync killed mid-write leaves temporary files next to the outputs; the next full sync removes
 * them, so `ggen verify` passes again (issue #14, Low). Files that only look similar stay.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sync } from '../../src/pipeline/sync.js';
import { verify } from '../../src/pipeline/verify.js';
import { repoRoot } from '../support/compiled.js';
import { formatInProcess } from '../support/format-in-process.js';

describe('leftover temporary files after a killed sync', () => {
  formatInProcess();

  it('are removed by sync --full, and verify passes after it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-leftover-'));
    cpSync(path.join(repoRoot, 'test/fixtures/cli/basic'), root, { recursive: true });
    const manifestPath = path.join(root, 'ggen.toml');
    await sync({ manifestPath });
    expect((await verify({ root })).ok).toBe(true);

    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    const gen = path.join(root, 'generated');
    mkdirSync(path.join(gen, 'deep'), { recursive: true });
    const leftovers = [
      path.join(gen, '.index.ts.0123456789abcdef.tmp'), // the current scheme: random hex
      path.join(gen, 'deep', `.service.ts.${dead}.tmp`), // the old scheme: a dead process's pid
    ];
    for (const f of leftovers) writeFileSync(f, 'half-written');
    const lookalikes = [path.join(gen, 'notes.tmp'), path.join(gen, '.index.ts.NOTHEX0123456789.tmp')];
    for (const f of lookalikes) writeFileSync(f, 'mine');
    const before = await verify({ root });
    expect(
      before.problems
        .filter((p) => p.kind === 'extra')
        .map((p) => p.path)
        .sort(),
    ).toEqual([...leftovers, ...lookalikes].map((f) => path.relative(root, f).split(path.sep).join('/')).sort());

    await sync({ manifestPath, noFastPath: true });
    for (const f of leftovers) expect(existsSync(f), f).toBe(false);
    for (const f of lookalikes) expect(existsSync(f), f).toBe(true);
    const after = await verify({ root });
    expect(after.problems.map((p) => p.path).sort()).toEqual(
      lookalikes.map((f) => path.relative(root, f).split(path.sep).join('/')).sort(),
    );
  }, 120_000);
});
