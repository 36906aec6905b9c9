/**
 * When sync starts its formatting worker (canonicalize/start-policy.ts): before normalize when
 * formatting is likely and normalize is long (no format cache, --watch, a changed graph input),
 * else at the first file the format cache cannot answer. And the pool's spare worker starts only
 * once enough work waits (canonicalize/pool.ts).
 */
import { readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { graphInputsChanged, startsEarly } from '../../src/pipeline/canonicalize/start-policy.js';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import { sha256 } from '../../src/pipeline/write/hash.js';
import { ensureBuilt, project, repoRoot } from '../cli/helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('startsEarly', () => {
  const never = () => {
    throw new Error('graphChanged asked although something else decides');
  };
  it('starts early with no format cache, under --watch, or when the graph inputs changed (then without warming up)', async () => {
    const warm = { warm: true };
    expect(await startsEarly({ watch: false, formatCacheEmpty: true, graphChanged: never })).toEqual(warm);
    expect(await startsEarly({ watch: true, formatCacheEmpty: false, graphChanged: never })).toEqual(warm);
    expect(await startsEarly({ watch: false, formatCacheEmpty: false, graphChanged: () => true })).toEqual({
      warm: false,
    });
    expect(await startsEarly({ watch: false, formatCacheEmpty: false, graphChanged: async () => false })).toBe(false);
  });
  it('GGEN_FORMAT_EARLY=0 / =1 decide alone', async () => {
    expect(await startsEarly({ watch: true, formatCacheEmpty: true, graphChanged: never, env: '0' })).toBe(false);
    expect(await startsEarly({ watch: false, formatCacheEmpty: false, graphChanged: never, env: '1' })).toEqual({
      warm: true,
    });
  });
});

describe('graphInputsChanged', () => {
  const setup = () => {
    const dir = project();
    dirs.push(dir);
    const spec = 'specs/domain.ttl';
    const template = 'templates/service.ts.njk';
    const digest = (p: string) => sha256(readFileSync(path.join(dir, p)));
    const view = (): ReceiptView =>
      ({
        inputs: new Map([
          [spec, { sha256: digest(spec), role: 'spec' }],
          [template, { sha256: digest(template), role: 'template' }],
        ]),
      }) as unknown as ReceiptView;
    return { dir, spec, template, view };
  };

  it('is false while every recorded spec, shapes and rule file is as recorded, whatever else changed', () => {
    const { dir, spec, template, view } = setup();
    const recorded = view();
    expect(graphInputsChanged(dir, recorded, [spec])).toBe(false);
    appendFileSync(path.join(dir, template), '{# a note #}\n');
    expect(graphInputsChanged(dir, recorded, [spec])).toBe(false);
  });

  it('is true when a spec changed or is gone, a spec is new, or there is no receipt', () => {
    const { dir, spec, view } = setup();
    const recorded = view();
    expect(graphInputsChanged(dir, null, [spec])).toBe(true);
    expect(graphInputsChanged(dir, recorded, [spec, 'specs/new.ttl'])).toBe(true);
    appendFileSync(path.join(dir, spec), '\n# a comment\n');
    expect(graphInputsChanged(dir, recorded, [spec])).toBe(true);
    rmSync(path.join(dir, spec));
    expect(graphInputsChanged(dir, recorded, [])).toBe(true);
  });

  it('counts a recorded shapes or rule file, not a template recorded under the same path as a spec', () => {
    const { dir, spec, view } = setup();
    const recorded = view();
    recorded.inputs.set('rules/components.rq', { sha256: '0'.repeat(64), role: 'rule' });
    expect(graphInputsChanged(dir, recorded, [spec])).toBe(true);
    const asTemplate = view();
    asTemplate.inputs.set(spec, { ...asTemplate.inputs.get(spec)!, role: 'template' });
    expect(graphInputsChanged(dir, asTemplate, [spec])).toBe(true);
  });
});

describe('a whole sync (compiled build: workers only run compiled)', () => {
  type PoolModule = typeof import('../../src/pipeline/canonicalize/pool.js');
  type SyncModule = typeof import('../../src/pipeline/sync.js');
  const dist = (p: string) => new URL(`dist/src/pipeline/${p}`, `file://${repoRoot}/`).href;
  const saved = { workers: process.env.GGEN_FORMAT_WORKERS, early: process.env.GGEN_FORMAT_EARLY };
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [k, v] of [
      ['GGEN_FORMAT_WORKERS', saved.workers],
      ['GGEN_FORMAT_EARLY', saved.early],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('starts the worker before normalize on a first run and a spec edit, not on a template edit', async () => {
    ensureBuilt();
    const { FormatPool } = (await import(dist('canonicalize/pool.js'))) as PoolModule;
    const { sync } = (await import(dist('sync.js'))) as SyncModule;
    // One worker, whatever the output count (a small project would otherwise format in-process).
    process.env.GGEN_FORMAT_WORKERS = '1';
    delete process.env.GGEN_FORMAT_EARLY;
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const start = vi.spyOn(FormatPool, 'start');
    /** When the worker started: before normalize ended, later, or not at all; and the canonicalize line. */
    const run = async () => {
      start.mockClear();
      let startsBefore = -1;
      let canon = '';
      const r = await sync({
        manifestPath,
        onStage: (s) => {
          if (s.stage === 'normalize') startsBefore = start.mock.calls.length;
          if (s.stage === 'canonicalize') canon = s.summary;
        },
      });
      expect(r.status).toBe('written');
      const when = startsBefore > 0 ? 'early' : start.mock.calls.length > 0 ? 'late' : 'never';
      return { when, canon, ...(when === 'early' ? { warm: start.mock.calls[0]![1] } : {}) };
    };
    // The first run formats everything: its worker warms up while normalize runs.
    expect(await run()).toEqual({ when: 'early', warm: true, canon: expect.stringMatching(/[1-9]\d* by Prettier$/) });

    // A template comment: the graph cache hits and no body changes. No worker at all.
    const template = path.join(dir, 'templates/service.ts.njk');
    appendFileSync(template, '{# a note #}\n');
    expect(await run()).toEqual({ when: 'never', canon: expect.stringMatching(/0 by Prettier$/) });

    // A template body change: formatted, by a worker started at the first miss.
    writeFileSync(template, readFileSync(template, 'utf8').replace('name:', 'title:'));
    expect(await run()).toEqual({ when: 'late', canon: expect.stringMatching(/[1-9]\d* by Prettier$/) });

    // A spec literal: the graph changes, the worker loads (without warming up) while normalize runs.
    const spec = path.join(dir, 'specs/domain.ttl');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes calls.', 'Routes every call.'));
    expect(await run()).toEqual({ when: 'early', warm: false, canon: expect.stringMatching(/[1-9]\d* by Prettier$/) });
    // What the caches gave (render, format, rows) is what a run without them prints.
    expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');

    // GGEN_FORMAT_EARLY=0 waits for the first miss even then.
    process.env.GGEN_FORMAT_EARLY = '0';
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes every call.', 'Routes all calls.'));
    expect((await run()).when).toBe('late');
  }, 120_000);
});

describe('the spare worker (compiled build)', () => {
  type PoolModule = typeof import('../../src/pipeline/canonicalize/pool.js');
  const dist = new URL('dist/src/pipeline/canonicalize/pool.js', `file://${repoRoot}/`).href;
  const settle = async (pool: { size: number }, size: number) => {
    for (const deadline = Date.now() + 60_000; pool.size < size && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 20));
  };

  it('starts only once enough work waits, and a finish with little work left grows no worker', async () => {
    ensureBuilt();
    const { FormatPool } = (await import(dist)) as PoolModule;
    const small = FormatPool.start(1, true, 1);
    const large = FormatPool.start(1, true, 1);
    try {
      // ~10 KB waiting: the first worker alone.
      const few = Array.from({ length: 20 }, (_, i) => ({
        path: `f${i}.ts`,
        text: `export const  f${i} = [${'1,'.repeat(250)}0]`,
      }));
      const r1 = await small.format(few);
      expect(r1.every((r) => r.ok)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(small.size).toBe(1);
      small.growFor(2);
      expect(small.size).toBe(1);
      // ~200 KB waiting: the spare starts on standby (takes no work), and joins at growFor.
      const many = Array.from({ length: 20 }, (_, i) => ({
        path: `m${i}.ts`,
        text: `export const  m${i} = [${'1,'.repeat(5_000)}0]`,
      }));
      const r2 = large.format(many);
      await settle(large, 2);
      expect([large.size, large.active]).toEqual([2, 1]);
      large.growFor(2);
      expect(large.active).toBe(2);
      expect((await r2).every((r) => r.ok)).toBe(true);
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
  }, 120_000);
});
