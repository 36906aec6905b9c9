/**
 * The watch session's graph digest (normalize/digest-warm.ts) reuses the last run's blank node
 * labels only while the quads naming blank nodes are the same; each step here is compared with
 * RDFC-1.0 run afresh (digest.ts): the digest, and the canonical graph the labels make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataFactory, type Quad } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../src/pipeline/normalize/digest.js';
import { DiskDigest } from '../../src/pipeline/normalize/digest-disk.js';
import { WarmDigest } from '../../src/pipeline/normalize/digest-warm.js';
import { blankNodeEdits, ex, first, graph, label } from '../support/digest-graph.js';

const { blankNode, literal, quad } = DataFactory;

/** The graph under the labels a digest gave, one N-Quads-like line per quad, sorted. */
function relabelled(quads: Quad[], labels: Map<string, string>): string[] {
  const t = (x: Quad['subject'] | Quad['object']) =>
    x.termType === 'BlankNode' ? `_:${labels.get(x.value) ?? `unlabelled ${x.value}`}` : x.id;
  return quads.map((q) => `${t(q.subject)} ${q.predicate.value} ${t(q.object)}`).sort();
}

async function expectSame(warm: WarmDigest, quads: Quad[]): Promise<void> {
  const fresh = await canonicalDigest(quads);
  const got = await warm.digest(quads);
  expect(got.digest).toBe(fresh.digest);
  expect(relabelled(quads, got.blankNodeLabels)).toEqual(relabelled(quads, fresh.blankNodeLabels));
}

describe('WarmDigest', () => {
  it('reuses the last labels after edits to quads without blank nodes, and digests as RDFC-1.0 does', async () => {
    const warm = new WarmDigest();
    await expectSame(warm, graph('one'));
    expect([warm.hits, warm.misses]).toEqual([0, 1]);
    // A literal edit, a quad added and one removed, none naming a blank node.
    await expectSame(warm, graph('two'));
    await expectSame(warm, [...graph('two'), quad(ex('c'), ex('sees'), ex('a'))]);
    await expectSame(warm, graph('three').slice(1));
    // The same quads in another order.
    await expectSame(warm, graph('three').reverse());
    expect([warm.hits, warm.misses]).toEqual([4, 1]);
  });

  it('runs RDFC-1.0 again when a quad naming a blank node is changed, added, removed or relabelled', async () => {
    const warm = new WarmDigest();
    const base = graph('one');
    await expectSame(warm, base);
    // A blank node's literal changed, a quad naming one removed, one added, other input labels.
    const steps = blankNodeEdits(base);
    for (const quads of steps) {
      await expectSame(warm, base);
      const misses = warm.misses;
      await expectSame(warm, quads);
      expect(warm.misses).toBe(misses + 1);
    }
  });

  it('treats a repeated quad naming a blank node as a change, not as the one it repeats', async () => {
    const warm = new WarmDigest();
    const base = graph('one');
    await expectSame(warm, base);
    // As many lines as before, one of them twice and one missing: not the last run's quads.
    const twice = base.map((q) => (q.subject.value === 'l2' && q.predicate.equals(first) ? base[3]! : q));
    await warm.digest(twice);
    expect(warm.misses).toBe(2);
  });

  it("asks the one-shot runs' digest cache on its first run only, and answers as RDFC-1.0 does", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-digest-seed-'));
    roots.push(root);
    const kept = DiskDigest.open(root);
    await kept.digest(graph('one'));
    kept.save();
    for (const [comment, answers] of [
      ['two', 1],
      // Another graph's blank nodes: the seed misses and RDFC-1.0 runs (in it).
      ['renamed', 0],
    ] as const) {
      const warm = new WarmDigest();
      const disk = DiskDigest.open(root, { read: true });
      warm.seed(disk);
      const quads =
        comment === 'renamed'
          ? graph('two').map((q) =>
              quad(
                q.subject.termType === 'BlankNode' ? blankNode(`r${q.subject.value}`) : q.subject,
                q.predicate,
                q.object,
              ),
            )
          : graph(comment);
      await expectSame(warm, quads);
      expect([disk.hits, disk.misses]).toEqual([answers, 1 - answers]);
      // Later runs are the session's own: the seed is not asked again.
      await expectSame(warm, quads);
      await expectSame(warm, [...quads, quad(blankNode('x'), label, literal('new'))]);
      expect([disk.hits, disk.misses]).toEqual([answers, 1 - answers]);
      expect([warm.hits, warm.misses]).toEqual([1, 2]);
    }
  });
});

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});
