/**
 * normalize/digest-disk.ts: one-shot runs reuse the blank node labels RDFC-1.0 gave the last run
 * (`.ggen/cache/digest.json`) while the quads naming blank nodes are the same, in the same order.
 * Every answer is compared with RDFC-1.0 run afresh (digest.ts): the digest, and the exact label
 * map. The file is untrusted: anything wrong in it is a miss, never a wrong digest. Through the CLI:
 * test/cli/digest-cache.e2e.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataFactory, type Quad } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalDigest, canonicalLineMaker } from '../../src/pipeline/normalize/digest.js';
import { DIGEST_CACHE_FILE, DiskDigest } from '../../src/pipeline/normalize/digest-disk.js';
import { blankNodeEdits, graph as digestGraph, ex, first, rest } from '../support/digest-graph.js';

const { namedNode, blankNode, literal, quad } = DataFactory;
/** The fixture's graph, with a blank node as a quad's graph too. */
const graph = (comment: string) => digestGraph(comment, true);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-digest-disk-'));
  dirs.push(dir);
  return dir;
}

/** One run: a DiskDigest opened on `root` as sync opens it, its answer, and the file saved as sync saves it. */
async function run(
  root: string,
  quads: Quad[],
  read = true,
): Promise<{ hit: boolean; digest: string; labels: Map<string, string> }> {
  const disk = DiskDigest.open(root, { read });
  const got = await disk.digest(quads);
  disk.save();
  expect(disk.hits + disk.misses).toBe(1);
  return { hit: disk.hits === 1, digest: got.digest, labels: got.blankNodeLabels };
}

/** A run compared with RDFC-1.0 afresh: same digest, same labels (each blank node's, and their order). */
async function expectSame(root: string, quads: Quad[], hit: boolean, read = true): Promise<void> {
  const fresh = await canonicalDigest([...quads]);
  const got = await run(root, quads, read);
  expect(got.digest).toBe(fresh.digest);
  expect([...got.labels]).toEqual([...fresh.blankNodeLabels]);
  expect(got.hit).toBe(hit);
}

const cacheFile = (root: string) => path.join(root, DIGEST_CACHE_FILE);

/** The stored entry's labels rewritten by `edit` (the file keeps its salt and key). */
function tamper(root: string, edit: (labels: unknown[]) => unknown): void {
  const stored = JSON.parse(readFileSync(cacheFile(root), 'utf8')) as {
    salt: string;
    entries: Record<string, { labels: unknown[] }>;
  };
  const [key] = Object.keys(stored.entries);
  stored.entries[key!] = edit([...stored.entries[key!]!.labels]) as { labels: unknown[] };
  writeFileSync(cacheFile(root), JSON.stringify(stored));
}

describe('DiskDigest', () => {
  it('reuses the stored labels across processes after edits to quads without blank nodes', async () => {
    const root = tempRoot();
    await expectSame(root, graph('one'), false);
    // A literal edit, a quad added and one removed, none naming a blank node.
    await expectSame(root, graph('two'), true);
    await expectSame(root, [...graph('two'), quad(ex('c'), ex('sees'), ex('a'))], true);
    await expectSame(root, graph('three').slice(1), true);
    // The same graph with the quads without blank nodes moved: their order is not read.
    const g = graph('three');
    await expectSame(root, [...g.slice(2), g[0]!, g[1]!], true);
  });

  it('runs RDFC-1.0 again when the quads naming blank nodes change, in content, labels or order', async () => {
    const base = graph('one');
    const steps: Quad[][] = [
      // A blank node's literal changed, a quad naming one removed, one added, other input labels.
      ...blankNodeEdits(base),
      // A blank node's literal in another language, or of another datatype (the same text).
      base.map((q) =>
        q.object.value === 'a "quoted"\nnote' ? quad(q.subject, q.predicate, literal('a "quoted"\nnote', 'fr')) : q,
      ),
      base.map((q) =>
        q.object.value === 'a "quoted"\nnote'
          ? quad(q.subject, q.predicate, literal('a "quoted"\nnote', namedNode('https://example.org/text')))
          : q,
      ),
      // The same quads naming blank nodes in another order (RDFC-1.0 may label look-alikes by it).
      [...base].reverse(),
      // A repeated quad naming a blank node in place of another.
      base.map((q) => (q.subject.value === 'l2' && q.predicate.equals(first) ? base[3]! : q)),
      // No blank node at all.
      base.filter(
        (q) =>
          q.subject.termType !== 'BlankNode' && q.object.termType !== 'BlankNode' && q.graph.termType !== 'BlankNode',
      ),
    ];
    for (const quads of steps) {
      const root = tempRoot();
      await expectSame(root, base, false);
      await expectSame(root, quads, false);
      // What the miss stored answers the next run.
      await expectSame(root, quads, true);
    }
  });

  it('tells a blank node from an IRI of the same name, and a literal from an IRI of the same text', async () => {
    const base = graph('one');
    const object = (o: Quad['object']) =>
      base.map((q) => (q.subject.value === 'l2' && q.predicate.equals(rest) ? quad(q.subject, rest, o) : q));
    for (const [a, b] of [
      [blankNode('l1'), namedNode('l1')],
      [namedNode('l1'), blankNode('l1')],
      [literal('https://example.org/a'), ex('a')],
    ] as const) {
      const root = tempRoot();
      await expectSame(root, object(a), false);
      await expectSame(root, object(b), false);
    }
  });

  it('serializes with the class rdf-canonize writes its canonical N-Quads with', async () => {
    // nquadSerializer loads rdf-canonize's serializer module alone: it must be the one its index exports.
    const own = (await import('rdf-canonize/lib/NQuads.js')).default;
    expect(own).toBe((await import('rdf-canonize')).NQuads);
  });

  it('starts empty with read: false (sync --full), and still saves what the run computed', async () => {
    const root = tempRoot();
    await expectSame(root, graph('one'), false);
    await expectSame(root, graph('two'), false, false);
    await expectSame(root, graph('three'), true);
  });

  it('keeps the file as it is when the run hit (nothing to rewrite)', async () => {
    const root = tempRoot();
    await expectSame(root, graph('one'), false);
    const before = readFileSync(cacheFile(root), 'utf8');
    writeFileSync(cacheFile(root), before.replace(/^\{/, '{ '));
    await expectSame(root, graph('two'), true);
    expect(readFileSync(cacheFile(root), 'utf8')).toBe(before.replace(/^\{/, '{ '));
  });

  it('is a miss, with the right digest, for every damaged or planted entry', async () => {
    const cases: Array<[string, (l: unknown[]) => unknown]> = [
      ['no labels', () => ({})],
      ['labels not an array', () => ({ labels: 'c14n0' })],
      ['null entry', () => null],
      ['one pair missing', (l) => ({ labels: l.slice(2) })],
      ['one pair too many', (l) => ({ labels: [...l, 'extra', `c14n${l.length / 2}`] })],
      ['a label not in the graph', (l) => ({ labels: ['nope', ...l.slice(1)] })],
      ['an input label twice', (l) => ({ labels: [...l.slice(0, 2), l[0], ...l.slice(3)] })],
      ['a canonical label twice', (l) => ({ labels: [...l.slice(0, 3), l[1], ...l.slice(4)] })],
      ['a canonical label out of range', (l) => ({ labels: [...l.slice(0, 1), `c14n${l.length}`, ...l.slice(2)] })],
      ['a canonical label not c14n', (l) => ({ labels: [...l.slice(0, 1), 'b0', ...l.slice(2)] })],
      ['a leading zero', (l) => ({ labels: [...l.slice(0, 1), 'c14n00', ...l.slice(2)] })],
      ['a number for a label', (l) => ({ labels: [...l.slice(0, 1), 0, ...l.slice(2)] })],
    ];
    for (const [, edit] of cases) {
      const root = tempRoot();
      await expectSame(root, graph('one'), false);
      tamper(root, edit);
      await expectSame(root, graph('two'), false);
    }
    // A file that is not JSON, or under another salt, is empty.
    for (const damage of [
      (s: string) => s.slice(0, s.length / 2),
      (s: string) => s.replace(/"salt":"[0-9a-f]/, '"salt":"x'),
    ]) {
      const root = tempRoot();
      await expectSame(root, graph('one'), false);
      writeFileSync(cacheFile(root), damage(readFileSync(cacheFile(root), 'utf8')));
      await expectSame(root, graph('two'), false);
    }
    // The entry of another graph (the key is the blank-node quads') answers nothing here.
    const root = tempRoot();
    await expectSame(root, graph('one'), false);
    const other = graph('one').filter((q) => q.subject.value !== 'n1' && q.object.value !== 'n1');
    const stored = readFileSync(cacheFile(root), 'utf8');
    await expectSame(root, other, false);
    const otherEntry = Object.values(
      (JSON.parse(readFileSync(cacheFile(root), 'utf8')) as { entries: object }).entries,
    )[0];
    const planted = JSON.parse(stored) as { entries: Record<string, unknown> };
    planted.entries = Object.fromEntries(Object.keys(planted.entries).map((k) => [k, otherEntry]));
    writeFileSync(cacheFile(root), JSON.stringify(planted));
    await expectSame(root, graph('two'), false);
  });
});

describe('canonicalLineMaker', () => {
  it("writes every quad's line as rdf-canonize's serializer does, each term's text kept per term", async () => {
    const { default: NQuads } = await import('rdf-canonize/lib/NQuads.js');
    const line = await canonicalLineMaker();
    const odd = namedNode('https://ex.org/a b<c>"d{e}|f^g`h\\i\u0001j\u00e9');
    const terms = {
      subjects: [ex('s'), odd, blankNode('b0'), blankNode('c14n3')],
      predicates: [ex('p'), odd],
      objects: [
        ex('o'),
        odd,
        blankNode('b1'),
        literal('plain'),
        literal('quote " back \\ nl \n cr \r tab \t \u0001 é'),
        literal('hello', 'en-GB'),
        literal('7', namedNode('http://www.w3.org/2001/XMLSchema#integer')),
        literal('x', namedNode('http://www.w3.org/2001/XMLSchema#string')),
        literal('y', namedNode('https://ex.org/dt>"')),
      ],
      graphs: [DataFactory.defaultGraph(), ex('g'), odd, blankNode('g1')],
    };
    let n = 0;
    // Twice over, so that the second round reads every term's kept text.
    for (let round = 0; round < 2; round++)
      for (const s of terms.subjects)
        for (const p of terms.predicates)
          for (const o of terms.objects)
            for (const g of terms.graphs) {
              expect(line(s, p, o, g)).toBe(NQuads.serializeQuadComponents(s, p, o, g));
              n++;
            }
    expect(n).toBe(2 * 4 * 2 * 9 * 4);
    // Generalized quads (a literal subject, a blank node predicate) are serialized whole, as rdf-canonize writes them.
    const lit = literal('s') as unknown as Quad['subject'];
    expect(line(lit, ex('p'), ex('o'), DataFactory.defaultGraph())).toBe(
      NQuads.serializeQuadComponents(lit, ex('p'), ex('o'), DataFactory.defaultGraph()),
    );
    const bp = blankNode('p') as unknown as Quad['predicate'];
    expect(line(ex('s'), bp, ex('o'), DataFactory.defaultGraph())).toBe(
      NQuads.serializeQuadComponents(ex('s'), bp, ex('o'), DataFactory.defaultGraph()),
    );
  });
});
