/**
 * The rows cache answers a query only for the same graph, inputs, prefixes and query text; any
 * change is a miss, and a saved file keeps only what the run used.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROWS_CACHE_FILE, RowsCache } from '../../src/pipeline/extract/rows-cache.js';
import type { QueryText, Row } from '../../src/pipeline/types.js';

const roots: string[] = [];
const root = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-rows-cache-'));
  roots.push(r);
  return r;
};
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const graph = { digest: 'g1', inputs: [{ path: 'specs/a.ttl', sha256: 'aaa' }] };
const prefixes = { ex: 'https://example.org/#' };
const q = (text: string): QueryText => ({ text, file: 'q.rq', line: 1 });
const rowsA: Row[] = [{ x: 1 }, { x: 2 }];

/** A query runner that records how often it ran. */
function runner<T>(value: T): { run: () => Promise<T>; calls: () => number } {
  let n = 0;
  return {
    run: async () => {
      n++;
      return value;
    },
    calls: () => n,
  };
}

async function saved(r: string, g = graph, p = prefixes): Promise<void> {
  const c = RowsCache.open(r, g, p);
  await c.select(q('SELECT a'), runner(rowsA).run);
  await c.ask(q('ASK b'), runner(true).run);
  c.save();
}

describe('rows cache', () => {
  it('answers the same query over the same graph from the file, without running it', async () => {
    const r = root();
    await saved(r);
    const c = RowsCache.open(r, graph, prefixes);
    const sel = runner<Row[]>([]);
    const ask = runner(false);
    expect(await c.select(q('SELECT a'), sel.run)).toEqual(rowsA);
    expect(await c.ask(q('ASK b'), ask.run)).toBe(true);
    expect(sel.calls() + ask.calls()).toBe(0);
  });

  it.each([
    ['another graph digest', { ...graph, digest: 'g2' }, prefixes],
    [
      'another input text (same graph, e.g. statements reordered)',
      { ...graph, inputs: [{ path: 'specs/a.ttl', sha256: 'bbb' }] },
      prefixes,
    ],
    ['other prefixes', graph, { ex: 'https://example.org/other#' }],
  ])('runs the query again for %s', async (_why, g, p) => {
    const r = root();
    await saved(r);
    const sel = runner<Row[]>([{ x: 9 }]);
    expect(await RowsCache.open(r, g, p).select(q('SELECT a'), sel.run)).toEqual([{ x: 9 }]);
    expect(sel.calls()).toBe(1);
  });

  it('runs a changed query text, and an ASK is never answered by a SELECT of the same text', async () => {
    const r = root();
    await saved(r);
    const c = RowsCache.open(r, graph, prefixes);
    const sel = runner<Row[]>([]);
    await c.select(q('SELECT a '), sel.run);
    const ask = runner(false);
    expect(await c.ask(q('SELECT a'), ask.run)).toBe(false);
    expect(sel.calls() + ask.calls()).toBe(2);
  });

  it('ignores the file with read: false, and saves only the entries a run used', async () => {
    const r = root();
    await saved(r);
    const c = RowsCache.open(r, graph, prefixes, { read: false });
    const sel = runner<Row[]>([{ x: 3 }]);
    expect(await c.select(q('SELECT a'), sel.run)).toEqual([{ x: 3 }]);
    expect(sel.calls()).toBe(1);
    c.save();
    const entries = (
      JSON.parse(readFileSync(path.join(r, ROWS_CACHE_FILE), 'utf8')) as { entries: Record<string, unknown> }
    ).entries;
    expect(Object.values(entries)).toEqual([{ rows: [{ x: 3 }] }]);
  });

  it('treats an unreadable file as empty', async () => {
    const r = root();
    await saved(r);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(r, ROWS_CACHE_FILE), '{not json');
    const sel = runner<Row[]>([]);
    await RowsCache.open(r, graph, prefixes).select(q('SELECT a'), sel.run);
    expect(sel.calls()).toBe(1);
  });
});
