/**
 * normalize/shacl-disk.ts: one-shot `sync` and `validate` reuse the SHACL results of the shape
 * groups whose read triples an edit left alone, from `.ggen/cache/shacl.json`. Every run must
 * report exactly what a fresh run reports (verdict, file:line:col, text, order), and the file is
 * untrusted: anything wrong in it is a miss, never a wrong verdict.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { validateProject } from '../../src/pipeline/normalize/index.js';
import { PARSE_CACHE_DIR } from '../../src/pipeline/normalize/parse-disk.js';
import { SHACL_CACHE_FILE } from '../../src/pipeline/normalize/shacl-disk.js';
import { WarmShacl } from '../../src/pipeline/normalize/shacl-warm.js';
import { sync } from '../../src/pipeline/sync.js';
import { SyncSession } from '../../src/pipeline/sync/session.js';
import { project } from '../cli/helpers.js';
import { outcome, SHAPES } from '../support/shacl-fixture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Each WarmShacl.plan of the runs: how many groups it planned, and how many it answered from kept results. */
let plans: Array<{ groups: number; reused: number }> = [];
beforeEach(() => {
  plans = [];
  const plan = WarmShacl.prototype.plan;
  vi.spyOn(WarmShacl.prototype, 'plan').mockImplementation(async function (
    this: WarmShacl,
    ...args: Parameters<WarmShacl['plan']>
  ) {
    const groups = await plan.apply(this, args);
    plans.push({ groups: groups.length, reused: groups.filter((g) => g.results).length });
    return groups;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The plan of the last run, and forget it (so a run that plans nothing is seen as such). */
function lastPlan(): { groups: number; reused: number } | undefined {
  const p = plans.at(-1);
  plans = [];
  return p;
}

/** A validate's report, as the CLI prints it (`cached` aside: the graph cache's, not SHACL's). */
async function report(manifestPath: string, cache: boolean): Promise<string> {
  const r = await validateProject(await loadManifest(manifestPath), undefined, { cache });
  return JSON.stringify({ ok: r.ok, violations: r.violations, warnings: r.warnings, digest: r.digest });
}

/**
 * The fixture's shapes and a SPARQL shape whose target and constraint are one query: the
 * services lacking a property their class requires (`ex:requires`), then `more` of its WHERE.
 */
function requiredShapes(message: string, projection: string, more: string): string {
  return `${SHAPES}
ex:RequiredShape a sh:NodeShape ;
  sh:target ex:RequiredQuery ;
  sh:sparql ex:RequiredQuery .

ex:RequiredQuery a sh:SPARQLTarget , sh:SPARQLConstraint ;
  sh:message "${message}" ;
  sh:select """SELECT DISTINCT ${projection} WHERE {
    ?cls <https://example.org/ns#requires> ?value .
    $this a ?cls .
    FILTER NOT EXISTS { $this ?value ?any }
    ${more}
  }""" .
`;
}

function setup(): { dir: string; manifestPath: string; spec: string; cacheFile: string } {
  const dir = project();
  dirs.push(dir);
  const manifestPath = path.join(dir, 'ggen.toml');
  writeFileSync(path.join(dir, 'shapes.ttl'), SHAPES);
  appendFileSync(manifestPath, '\n[validation]\nshacl = ["shapes.ttl"]\n');
  return { dir, manifestPath, spec: path.join(dir, 'specs/domain.ttl'), cacheFile: path.join(dir, SHACL_CACHE_FILE) };
}

describe('SHACL results kept on disk between one-shot runs', () => {
  it('after each edit, validate and sync report exactly what a fresh run reports, reusing the groups whose triples did not change', async () => {
    const { manifestPath, spec } = setup();
    const steps: Array<[string, (t: string) => string]> = [
      ['a comment', (t) => t.replace('Routes calls.', 'Routes every call.')],
      // Adds a violation (the comment shape's group re-runs; the others are reused).
      [
        'a comment too long',
        (t) => t.replace('Routes every call.', 'Routes every call it is given, near or far, soon.'),
      ],
      // The violation moves down two lines.
      ['the violation moved', (t) => `\n\n${t}`],
      // Removes it.
      ['the fix', (t) => t.replace('Routes every call it is given, near or far, soon.', 'Routes calls.')],
      ['a second label', (t) => t.replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" , "Payments" ;')],
      ['lines moved', (t) => `\n\n${t.replace('rdfs:label "Billing" , "Payments" ;', 'rdfs:label "Billing" ;')}`],
      [
        'a note without a label',
        (t) => t.replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" ; rdfs:seeAlso [ ex:k "x" ] ;'),
      ],
      // A warning whose focus is a blank node (canonical label), then an edit elsewhere that keeps it.
      ['a blank note', (t) => `${t}\n[ rdfs:seeAlso [ ex:k "y" ] ] .\n`],
      ['another comment', (t) => t.replace('Routes calls.', 'Routes all calls.')],
      ['a list', (t) => `${t}\nex:CallRouter ex:tags ( "a" [ rdfs:label "b" ] ) .\n`],
      // No triple changes: every result is reused, the warnings at their new lines.
      ['the warnings moved', (t) => `\n\n${t}`],
      // Nothing SHACL reads changes.
      ['an unread triple', (t) => `${t}\nex:CallRouter ex:weight 3 .\n`],
    ];
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    const reused: Record<string, number | undefined> = {};
    const validated: Record<string, number | undefined> = {};
    const seen: Record<string, string> = {};
    for (const [name, change] of steps) {
      writeFileSync(spec, change(readFileSync(spec, 'utf8')));
      // validate after the edit: reads what the last successful sync kept, writes nothing.
      const warmReport = await report(manifestPath, true);
      validated[name] = lastPlan()?.reused;
      const freshReport = await report(manifestPath, false);
      expect(lastPlan(), `${name}: a validate without caches plans nothing`).toBeUndefined();
      expect(warmReport, name).toBe(freshReport);

      const warm = await outcome(() => sync({ manifestPath }));
      reused[name] = lastPlan()?.reused;
      const fresh = await outcome(() => sync({ manifestPath, check: true, noFastPath: true }));
      // --full reads no cache: every group validates.
      expect(lastPlan(), name).toEqual({ groups: 3, reused: 0 });
      expect(warm, name).toBe(fresh);
      seen[name] = warm;
    }
    // The steps do report something, at its place.
    expect(seen['a comment too long']).toMatch(/"ok":false.*"line":10,"col":16,.*comment is too long/);
    expect(seen['the violation moved']).toMatch(/"ok":false.*"line":12,"col":16,.*comment is too long/);
    expect(seen['the fix']).toMatch(/"ok":true,"warnings":\[\]/);
    expect(seen['a second label']).toMatch(/"ok":false.*shacl\/ServiceShape\/label/);
    expect(seen['a note without a label']).toMatch(/"ok":true.*a note without a label/);
    expect(seen['the warnings moved']).toMatch(
      /"line":11,"col":26,"message":"ex:Billing rdfs:seeAlso\/rdfs:label: a note/,
    );
    expect(seen['the warnings moved']).toMatch(/"rule":"shacl\/SeeAlsoShape".*"rule":"shacl\/SeeAlsoShape"/);
    // What was reused: a comment edit leaves the label and note shapes' triples alone...
    expect(reused['a comment']).toBe(2);
    expect(validated['a comment']).toBe(2);
    // ...a run that failed kept nothing, so the next reuses what the last good run kept...
    expect(validated['the violation moved']).toBe(2);
    expect(reused['the violation moved']).toBe(2);
    // ...a label edit changes what the label and note shapes read...
    expect(validated['a second label']).toBe(1);
    // ...a list's blank node with a label too; moved lines and unread triples change nothing.
    expect(reused['a list']).toBe(1);
    expect(validated['the warnings moved']).toBe(3);
    expect(reused['the warnings moved']).toBe(3);
    expect(validated['an unread triple']).toBe(3);
    expect(reused['an unread triple']).toBe(3);
  }, 300_000);

  it('a changed shapes graph reuses nothing: its results are those of the new shapes', async () => {
    const { dir, manifestPath, spec } = setup();
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Billing rdfs:seeAlso [ ex:k "x" ] .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true.*a note without a label/);
    const shapes = path.join(dir, 'shapes.ttl');
    // The same triples for the data, one message changed: a result kept under the old shapes would show the old one.
    writeFileSync(shapes, SHAPES.replace('"a note without a label"', '"a note needs a label"'));
    const warm = await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    expect(warm).toBe(await report(manifestPath, false));
    expect(warm).toMatch(/a note needs a label/);
    expect(warm).not.toMatch(/a note without a label/);
    // Back to the shapes the file was written for (and an edit, so that the graph cache misses): reused again.
    writeFileSync(shapes, SHAPES);
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 3 .\n`);
    await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });
  }, 120_000);

  it('a damaged, foreign or planted cache file is a miss, never a wrong verdict', async () => {
    const { manifestPath, spec, cacheFile } = setup();
    // A warning (a result of the note shape's group, a blank property shape), kept by a successful sync.
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Billing rdfs:seeAlso [ ex:k "x" ] .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true.*a note without a label/);
    // An edit SHACL does not read; then a violation whose group's key and print stay those the file holds.
    writeFileSync(spec, `\n${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 3 .\n`);
    const good = readFileSync(cacheFile, 'utf8');
    const fresh = await report(manifestPath, false);
    expect(fresh).toMatch(/a note without a label/);
    await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });

    const stored = JSON.parse(good) as { salt: string; entries: Record<string, { print: string; results: unknown[] }> };
    const noteKey = Object.keys(stored.entries).find((k) => (stored.entries[k]!.results?.length ?? 0) > 0)!;
    expect(stored.entries[noteKey]!.results).toHaveLength(1);
    const withEntry = (change: (e: Record<string, unknown>, r: Record<string, unknown>) => unknown) => {
      const copy = JSON.parse(good) as typeof stored;
      const entry = copy.entries[noteKey] as unknown as Record<string, unknown>;
      const replaced = change(entry, (entry.results as Array<Record<string, unknown>>)[0]!);
      if (replaced !== undefined) copy.entries[noteKey] = replaced as never;
      return JSON.stringify(copy);
    };
    const otherShape = 'https://example.org/ns#ServiceShape';
    const planted: Array<[string, string, number]> = [
      ['not JSON', good.slice(0, good.length / 2), 0],
      ['empty', '', 0],
      ['entries a list', JSON.stringify({ salt: stored.salt, entries: [] }), 0],
      ['another salt', JSON.stringify({ ...stored, salt: '0'.repeat(64) }), 0],
      ['another print', withEntry((e) => void (e.print = '0'.repeat(64))), 2],
      ['no results', withEntry((e) => void delete e.results), 2],
      ['results not a list', withEntry((e) => void (e.results = { 0: {} })), 2],
      ['an entry that is a string', withEntry(() => 'conforms'), 2],
      ['a member out of range', withEntry((_, r) => void (r.m = 7)), 2],
      ['a shape of another group', withEntry((_, r) => void (r.shape = otherShape)), 2],
      ['a blank shape out of range', withEntry((_, r) => void (r.shape = 10_000)), 2],
      ['a focus blank node the data lacks', withEntry((_, r) => void (r.focus = '_:c14n999')), 2],
      ['a focus that is no term', withEntry((_, r) => void (r.focus = '<not a term>')), 2],
      ['a literal severity', withEntry((_, r) => void (r.severity = '"Warning"')), 2],
      [
        'an unknown quantifier',
        withEntry((_, r) => void ((r.path as Array<Record<string, unknown>>)[0]!.quantifier = 'many')),
        2,
      ],
      ['a message not text', withEntry((_, r) => void (r.message = [1])), 2],
      ['a terminal escape in a message', withEntry((_, r) => void (r.message = ['\u001b[2Ja note'])), 2],
      ['an extra field', withEntry((_, r) => void (r.hint = 'x')), 2],
    ];
    for (const [name, text, reused] of planted) {
      writeFileSync(cacheFile, text);
      const warm = await report(manifestPath, true);
      expect(lastPlan(), name).toEqual({ groups: 3, reused });
      expect(warm, name).toBe(fresh);
      // validate reads the file, never writes it.
      expect(readFileSync(cacheFile, 'utf8'), name).toBe(text);
    }
    // A sync over a damaged file misses, reports what a fresh run reports, and writes a good file again.
    writeFileSync(cacheFile, 'garbage');
    expect(await outcome(() => sync({ manifestPath }))).toBe(
      await outcome(() => sync({ manifestPath, check: true, noFastPath: true })),
    );
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 4 .\n`);
    lastPlan();
    await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });
  }, 300_000);

  it("a kept list of top-level shapes that is not the shapes graph's is a miss: no shape goes unvalidated", async () => {
    const { manifestPath, spec, cacheFile } = setup();
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    // A comment too long: only the comment shape's group reads comments, the others are reused.
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace('Routes calls.', 'Routes every call it is given, near or far, soon.'),
    );
    const fresh = await report(manifestPath, false);
    expect(fresh).toMatch(/"ok":false.*comment is too long/);
    const known: Array<unknown[] | undefined> = [];
    const knownTops = WarmShacl.prototype.knownTops;
    vi.spyOn(WarmShacl.prototype, 'knownTops').mockImplementation(async function (
      this: WarmShacl,
      ...args: Parameters<WarmShacl['knownTops']>
    ) {
      const tops = await knownTops.apply(this, args);
      known.push(tops);
      return tops;
    });
    const good = readFileSync(cacheFile, 'utf8');
    const stored = JSON.parse(good) as { salt: string; entries: Record<string, unknown> };
    const topsKey = Object.keys(stored.entries).find((k) => Array.isArray(stored.entries[k]))!;
    const tops = stored.entries[topsKey] as Array<string | number>;
    const ns = 'https://example.org/ns#';
    expect([...tops].sort()).toEqual([`${ns}CommentShape`, `${ns}SeeAlsoShape`, `${ns}ServiceShape`]);
    const withTops = (list: unknown) => JSON.stringify({ ...stored, entries: { ...stored.entries, [topsKey]: list } });
    const without = tops.filter((t) => t !== `${ns}CommentShape`);
    const variants: Array<[string, string, boolean]> = [
      ['as kept', good, true],
      ['in another order', withTops([...tops].reverse()), true],
      // Were it used, the comment shape would not validate and every planned group would be reused.
      ['a shape left out', withTops(without), false],
      ['a shape twice', withTops([...without, `${ns}ServiceShape`]), false],
      ['an IRI that is no shape', withTops([...without, `${ns}Billing`]), false],
      ['a blank node that is no top-level shape', withTops([...without, 0]), false],
      ['a blank node out of range', withTops([...without, 99]), false],
      ['not a list', withTops({ 0: `${ns}CommentShape` }), false],
    ];
    for (const [name, text, used] of variants) {
      writeFileSync(cacheFile, text);
      known.length = 0;
      const warm = await report(manifestPath, true);
      expect(known.length, name).toBe(1);
      expect(known[0] !== undefined, name).toBe(used);
      expect(lastPlan(), name).toEqual({ groups: 3, reused: 2 });
      expect(warm, name).toBe(fresh);
    }
  }, 120_000);

  it('a group whose reads cannot be pinned down (sh:closed) validates every run', async () => {
    const { dir, manifestPath, spec } = setup();
    writeFileSync(
      path.join(dir, 'shapes.ttl'),
      `${SHAPES}
ex:ClosedShape a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:closed true ;
  sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> rdfs:label rdfs:comment ) .
`,
    );
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 4, reused: 0 });
    // A triple of a predicate no shape names: the closed shape reads it, the others do not.
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 3 .\n`);
    const warm = await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 4, reused: 3 });
    expect(warm).toBe(await report(manifestPath, false));
    expect(warm).toMatch(/"ok":false.*shacl\/ClosedShape/);
  }, 120_000);

  it('a SPARQL shape whose predicate variable the data binds (otp:requiresProperty) is reused until a triple of a bound predicate changes', async () => {
    const { dir, manifestPath, spec } = setup();
    writeFileSync(path.join(dir, 'shapes.ttl'), requiredShapes('lacks a required property', '$this ?value', ''));
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Service ex:requires rdfs:label .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 4, reused: 0 });
    const base = readFileSync(spec, 'utf8');
    const steps: Array<[string, string, number]> = [
      // Nothing any shape reads: every group reused, the SPARQL one too.
      ['an unread triple', `${base}\nex:CallRouter ex:weight 3 .\n`, 4],
      // A comment is no required property: only the comment shape re-runs.
      ['a comment', base.replace('Routes calls.', 'Routes all calls.'), 3],
      // A new requirement: its triple is read by the required shape alone.
      ['a new requirement', `${base}\nex:Service ex:requires ex:owner .\n`, 3],
      // A label is a required property (no query names it): the required shape re-runs with the label shapes.
      ['a label removed', base.replace('rdfs:label "Call router" ;', ''), 1],
    ];
    for (const [name, text, reused] of steps) {
      writeFileSync(spec, text);
      const warm = await report(manifestPath, true);
      expect(lastPlan(), name).toEqual({ groups: 4, reused });
      expect(warm, name).toBe(await report(manifestPath, false));
      if (name !== 'an unread triple' && name !== 'a comment') expect(warm, name).toMatch(/lacks a required property/);
    }
  }, 120_000);

  it('a SPARQL shape that reads the comments of the bound properties only (OPTIONAL { ?value rdfs:comment ?why }) is reused after an edit of another comment', async () => {
    const { dir, manifestPath, spec } = setup();
    writeFileSync(
      path.join(dir, 'shapes.ttl'),
      requiredShapes(
        'lacks {?value}: {?whyRaw}',
        '$this ?value ?whyRaw',
        `OPTIONAL { ?value <http://www.w3.org/2000/01/rdf-schema#comment> ?why }
    BIND (COALESCE(?why, "required") AS ?whyRaw)`,
      ),
    );
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Service ex:requires rdfs:label .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 4, reused: 0 });
    const base = readFileSync(spec, 'utf8');
    const commented = `${base}\nrdfs:label rdfs:comment "a name people read" .\n`;
    const unlabelled = (t: string) => t.replace('rdfs:label "Call router" ;', '');
    const steps: Array<[string, string, number, RegExp]> = [
      // A service's comment: the comment shape re-runs, the required shape's results stay.
      ['a service comment', base.replace('Routes calls.', 'Routes all calls.'), 3, /"ok":true/],
      // The required property's comment: read by the required shape (and the comment shape).
      ['the required property commented', commented, 2, /"ok":true/],
      // Its comment shows in the violation of a service without it (labels: the see-also shape reads them too).
      ['a label removed', unlabelled(base), 1, /lacks .*label: required/],
      ['a label removed, the property commented', unlabelled(commented), 0, /lacks .*label: a name people read/],
    ];
    for (const [name, text, reused, shows] of steps) {
      writeFileSync(spec, text);
      const warm = await report(manifestPath, true);
      expect(lastPlan(), name).toEqual({ groups: 4, reused });
      expect(warm, name).toBe(await report(manifestPath, false));
      expect(warm, name).toMatch(shows);
    }
  }, 120_000);

  it("a watch session's first run reuses what one-shot runs kept on disk, and its later runs what it kept itself", async () => {
    const { manifestPath, spec } = setup();
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    const session = new SyncSession();
    try {
      // The first edit under watch: the comment shape's group validates, the other two come from shacl.json.
      writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes calls.', 'Routes every call.'));
      const first = await outcome(() => sync({ manifestPath, session }));
      expect(lastPlan()).toEqual({ groups: 3, reused: 2 });
      expect(first).toBe(await outcome(() => sync({ manifestPath, check: true, noFastPath: true })));
      lastPlan();
      // The next edit changes what the label and note shapes read: the comment group, which the
      // session validated itself in its first run, is reused from the session's own results.
      writeFileSync(
        spec,
        readFileSync(spec, 'utf8').replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" , "Payments" ;'),
      );
      const second = await outcome(() => sync({ manifestPath, session }));
      expect(lastPlan()).toEqual({ groups: 3, reused: 1 });
      expect(second).toMatch(/"ok":false.*shacl\/ServiceShape\/label/);
      expect(second).toBe(await outcome(() => sync({ manifestPath, check: true, noFastPath: true })));
    } finally {
      await session.close();
    }
  }, 120_000);

  it('a watch session reads shacl.json through the same checks as a one-shot run: a damaged result is a miss', async () => {
    const { manifestPath, spec, cacheFile } = setup();
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" , "Payments" ;'),
    );
    const bad = await outcome(() => sync({ manifestPath }));
    expect(bad).toMatch(/"ok":false/);
    // A sync that fails keeps nothing: make one that succeeds, then plant "conforms" in every group.
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace('rdfs:label "Billing" , "Payments" ;', 'rdfs:label "Billing" ;'),
    );
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as { salt: string; entries: Record<string, unknown> };
    const tampered = Object.fromEntries(
      Object.entries(stored.entries).map(([k, v]) => [k, Array.isArray(v) ? v : { ...(v as object), results: 'x' }]),
    );
    writeFileSync(cacheFile, JSON.stringify({ salt: stored.salt, entries: tampered }));
    lastPlan();
    const session = new SyncSession();
    try {
      writeFileSync(
        spec,
        readFileSync(spec, 'utf8').replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" , "Payments" ;'),
      );
      const watched = await outcome(() => sync({ manifestPath, session }));
      expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
      expect(watched).toBe(bad);
    } finally {
      await session.close();
    }
  }, 120_000);

  it('sync --full reads no kept result, and saves what it computed', async () => {
    const { manifestPath, spec } = setup();
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 3 .\n`);
    expect(await outcome(() => sync({ manifestPath, noFastPath: true }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 4 .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true/);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });
  }, 120_000);
  it("the shapes graph is known by its files' bytes: reused whether the shapes are parsed afresh or replayed, missed after a change of text alone", async () => {
    const { dir, manifestPath, spec } = setup();
    // A warning of a blank property shape: its number in the kept result must name the same shape in every run.
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Billing rdfs:seeAlso [ ex:k "x" ] .\n`);
    expect(await outcome(() => sync({ manifestPath }))).toMatch(/"ok":true.*SeeAlsoShape.*a note without a label/);
    // That sync parsed the shapes file afresh; this validate replays it from the disk parse cache.
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:CallRouter ex:weight 3 .\n`);
    const replayed = await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });
    expect(replayed).toBe(await report(manifestPath, false));
    expect(replayed).toMatch(/SeeAlsoShape.*a note without a label/);
    // No parse on disk: the shapes are parsed afresh, and number their blank nodes as the replay did.
    rmSync(path.join(dir, PARSE_CACHE_DIR), { recursive: true, force: true });
    expect(await report(manifestPath, true)).toBe(replayed);
    expect(lastPlan()).toEqual({ groups: 3, reused: 3 });
    // The same triples in other text: a miss (the key is the bytes), with the results of a fresh run.
    const shapes = path.join(dir, 'shapes.ttl');
    writeFileSync(shapes, `# the same shapes\n\n${SHAPES}`);
    const moved = await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    expect(moved).toBe(await report(manifestPath, false));
    // The same text as another file: a miss too (the file's name is part of the key).
    writeFileSync(shapes, SHAPES);
    writeFileSync(path.join(dir, 'other-shapes.ttl'), SHAPES);
    writeFileSync(
      manifestPath,
      readFileSync(manifestPath, 'utf8').replace('shacl = ["shapes.ttl"]', 'shacl = ["other-shapes.ttl"]'),
    );
    const renamed = await report(manifestPath, true);
    expect(lastPlan()).toEqual({ groups: 3, reused: 0 });
    expect(renamed).toBe(await report(manifestPath, false));
  }, 120_000);
});
