/**
 * Each output's banner digest covers its own inputs only (emit/reads.ts), and names the spec files
 * that mention the rows it read (canonicalize/banner.ts).
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  extractTemplateData,
  loadTemplates,
  mentionedFiles,
  render,
  type EmitEngine,
} from '../../src/pipeline/emit/index.js';
import type { Manifest, RenderedFile, Row, SpecMentions } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function project(files: Record<string, string>): Manifest {
  const m = tempProject('ggen-inputs-', files, { pkg: 'x' });
  roots.push(m.root);
  return m;
}

/** Rows by query name, set per run. */
let rows: Record<string, Row[]> = {};
const engine: EmitEngine = {
  async select(_s, q) {
    const r = rows[q.text.trim()] ?? [];
    return { variables: Object.keys(r[0] ?? {}), rows: r };
  },
  async ask() {
    return true;
  },
};

const FILES = ['specs/a.ttl', 'specs/b.ttl', 'specs/o.ttl'];
const mentions: SpecMentions = {
  subjects: { 'https://x/a1': [0], 'https://x/b1': [1], 'https://x/Type': [2] },
  literals: { alpha: 0, beta: 1, stray: 1 },
};
const graph = { store: {} as never, digest: 'graphdigest', specFiles: FILES, mentions };

async function run(m: Manifest): Promise<Map<string, RenderedFile>> {
  const set = await loadTemplates(m);
  const out = await render(m, graph, await extractTemplateData(set, graph, engine, () => {}));
  return new Map(out.files.map((f) => [f.path, f]));
}

const TEMPLATE = [
  '---',
  'to: "{{ row.app }}/{{ row.name }}.ts"',
  'queries:',
  '  apps: APPS',
  '  ops: OPS',
  'for_each: apps',
  '---',
  '{%- import "_p/m.njk" as m %}',
  'export const name = {{ row.name | tsString }};',
  '{% for o in data.ops | where("app", row.app) %}export const {{ o.op }} = {{ m.lit(o.doc) }};',
  '{% endfor %}',
].join('\n');

const base = (): Record<string, Row[]> => ({
  APPS: [
    { app: 'alpha', name: 'one', it: 'https://x/a1' },
    { app: 'beta', name: 'two', it: 'https://x/b1' },
  ],
  OPS: [
    { app: 'alpha', op: 'f', doc: 'first', type: 'https://x/Type' },
    { app: 'beta', op: 'g', doc: 'second', type: null },
  ],
});

describe('per-output inputs', () => {
  const m = project({
    'templates/t.ts.njk': TEMPLATE,
    'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}',
  });

  it("changes an output's digest only when a value it read changes", async () => {
    rows = base();
    const before = await run(m);
    // A value only beta's output reads:
    rows = base();
    rows.OPS![1]!.doc = 'second, edited';
    const after = await run(m);
    expect(after.get('alpha/one.ts')!.inputs!.digest).toBe(before.get('alpha/one.ts')!.inputs!.digest);
    expect(after.get('beta/two.ts')!.inputs!.digest).not.toBe(before.get('beta/two.ts')!.inputs!.digest);
    // A value nobody reads (alpha's op row has a column the template never prints): no digest changes.
    rows = base();
    rows.OPS![0]!.unused = 'x';
    const unread = await run(m);
    expect(unread.get('alpha/one.ts')!.inputs!.digest).toBe(before.get('alpha/one.ts')!.inputs!.digest);
    // A new row that `where` passes over for alpha but keeps for beta:
    rows = base();
    rows.OPS!.push({ app: 'beta', op: 'h', doc: 'third', type: null });
    const added = await run(m);
    expect(added.get('alpha/one.ts')!.inputs!.digest).toBe(before.get('alpha/one.ts')!.inputs!.digest);
    expect(added.get('beta/two.ts')!.inputs!.digest).not.toBe(before.get('beta/two.ts')!.inputs!.digest);
    // Never the graph's digest.
    expect(before.get('alpha/one.ts')!.inputs!.digest).not.toContain('graphdigest');
  });

  it('changes every digest of a template when its body, a partial it imports or a query changes', async () => {
    rows = base();
    const before = await run(m);
    const partial = project({
      'templates/t.ts.njk': TEMPLATE,
      'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}{# v2 #}',
    });
    const p = await run(partial);
    const body = project({
      'templates/t.ts.njk': `${TEMPLATE}\n{# v2 #}`,
      'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}',
    });
    const b = await run(body);
    // Output text is the same in all three; the digests are not.
    for (const k of ['alpha/one.ts', 'beta/two.ts']) {
      expect(p.get(k)!.content).toBe(before.get(k)!.content);
      expect(p.get(k)!.inputs!.digest).not.toBe(before.get(k)!.inputs!.digest);
      expect(b.get(k)!.inputs!.digest).not.toBe(before.get(k)!.inputs!.digest);
    }
    // A partial nobody includes does not count.
    const unrelated = project({
      'templates/t.ts.njk': TEMPLATE,
      'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}',
      'templates/_p/other.njk': 'unused',
    });
    expect((await run(unrelated)).get('alpha/one.ts')!.inputs!.digest).toBe(before.get('alpha/one.ts')!.inputs!.digest);
  });

  it('names the spec files that mention the rows the output read, not the other apps', async () => {
    rows = base();
    const out = await run(m);
    // alpha read its app row (a1 in a.ttl, "alpha" only in a.ttl) and op f (type declared in o.ttl).
    expect(out.get('alpha/one.ts')!.inputs!.specFiles).toEqual(['specs/a.ttl', 'specs/o.ttl']);
    expect(out.get('beta/two.ts')!.inputs!.specFiles).toEqual(['specs/b.ttl']);
  });

  it("lets a row's literals outvote a stray one that another file happens to use", () => {
    const g = { ...graph };
    // "alpha" (a.ttl) and "stray" (b.ttl) tie, so both count.
    expect(mentionedFiles([{ x: 'alpha', y: 'stray' }], g)).toEqual(['specs/a.ttl', 'specs/b.ttl']);
    const more = { ...g, mentions: { ...mentions, literals: { ...mentions.literals, one: 0 } } };
    expect(mentionedFiles([{ x: 'alpha', y: 'one', z: 'stray' }], more)).toEqual(['specs/a.ttl']);
    // An IRI always counts for the files about it.
    expect(mentionedFiles([{ x: 'alpha', y: 'one', it: 'https://x/b1' }], more)).toEqual([
      'specs/a.ttl',
      'specs/b.ttl',
    ]);
    // No index (an old graph cache): every spec file.
    expect(mentionedFiles([{ x: 'alpha' }], { ...g, mentions: undefined })).toEqual(FILES);
  });

  it('counts only what the index holds itself, not names every object inherits', () => {
    const inherited = [{ a: 'constructor', b: 'toString', c: '__proto__', d: 'hasOwnProperty', e: 'valueOf' }];
    expect(mentionedFiles(inherited, graph)).toEqual([]);
    expect(mentionedFiles([{ ...inherited[0], x: 'alpha' }], graph)).toEqual(['specs/a.ttl']);
    // An index parsed from JSON (the graph cache) may hold such a name as its own key.
    const parsed = JSON.parse('{"subjects": {"constructor": [1]}, "literals": {"__proto__": 0}}') as SpecMentions;
    expect(mentionedFiles(inherited, { ...graph, mentions: parsed })).toEqual(['specs/a.ttl', 'specs/b.ttl']);
  });
});
