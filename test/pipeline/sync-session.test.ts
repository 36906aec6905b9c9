/**
 * `sync --watch` runs keep parsed files (normalize/parse-cache.ts), the graph digest's blank node
 * labels (normalize/digest-warm.ts) and the Oxigraph copy of the last graph (updated in place,
 * engine/oxigraph.ts) between runs. What a warm run writes must be
 * what a fresh, full run in a new process computes: after each edit, `sync --check --full` on both
 * engines finds nothing to change.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { sync } from '../../src/pipeline/sync.js';
import { SyncSession } from '../../src/pipeline/sync/session.js';
import { project } from '../cli/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('sync with a warm session (the watch loop)', () => {
  it('writes what a fresh full run computes, edit after edit, on both engines', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    const session = new SyncSession();
    const fresh = async (): Promise<void> => {
      for (const engine of ['oxigraph', 'comunica'] as const) {
        const r = await sync({ manifestPath, check: true, noFastPath: true, engine });
        expect(r.status, `${engine}: ${JSON.stringify(r.entries.filter((e) => e.diff))}`).toBe('clean');
      }
    };
    const edits = [
      // A literal.
      (t: string) => t.replace('Routes calls.', 'Routes every call.'),
      // Blank nodes in: the file is parsed again, its old blank nodes matched by order.
      (t: string) =>
        t + '\nex:CallRouter rdfs:seeAlso [ rdfs:label "a note" ; rdfs:seeAlso [ rdfs:label "nested" ] ] .\n',
      // A blank node before the others: every later one shifts to another label.
      (t: string) =>
        t.replace('ex:Billing a ex:Service ;', 'ex:Billing a ex:Service ;\n  rdfs:seeAlso [ rdfs:label "first" ] ;'),
      // One of them out again.
      (t: string) => t.replace(' ; rdfs:seeAlso [ rdfs:label "nested" ]', ''),
      // A literal while the graph has blank nodes: the last run's canonical labels serve (digest-warm.ts).
      (t: string) => t.replace('rdfs:label "Billing"', 'rdfs:label "Billing desk"'),
    ];
    try {
      const first = await sync({ manifestPath, session });
      expect(first.status).toBe('written');
      for (const edit of edits) {
        writeFileSync(spec, edit(readFileSync(spec, 'utf8')));
        const r = await sync({ manifestPath, session });
        expect(r.status).toBe('written');
        await fresh();
      }
      expect(readFileSync(path.join(dir, 'generated/services/call-router.ts'), 'utf8')).toContain('Routes every call.');
      // The warm state was used: one file, so each edit re-parsed it and nothing else.
      expect(session.parses.misses).toBe(1 + edits.length);
      // The literal edits changed the held graph by their delta (held-graph.ts); the graph was built
      // for the first run and the three edits to blank nodes, and RDFC-1.0 ran for each of those.
      expect([session.parses.held.hits, session.parses.held.misses]).toEqual([2, 4]);
      expect([session.parses.digest.hits, session.parses.digest.misses]).toEqual([0, 4]);
    } finally {
      await session.close();
    }
  }, 300_000);

  for (const engine of ['oxigraph', 'comunica'] as const)
    it(`applies each edit's triples to the held graph as a fresh build makes it (${engine} session)`, async () => {
      const dir = project();
      dirs.push(dir);
      const manifestPath = path.join(dir, 'ggen.toml');
      const domain = path.join(dir, 'specs/domain.ttl');
      const extra = path.join(dir, 'specs/extra.ttl');
      // A second spec that asserts one of domain.ttl's triples again, has a blank node, and names
      // an IRI through a prefix of its own.
      writeFileSync(
        extra,
        [
          '@prefix ex: <https://example.org/ns#> .',
          '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
          '@prefix doc: <https://example.org/docs/> .',
          'ex:Billing rdfs:comment "Charges \\"accounts\\" </script> once." .',
          'ex:Billing rdfs:seeAlso [ rdfs:label "a note" ] .',
          'ex:CallRouter rdfs:seeAlso doc:routing .',
          '',
        ].join('\n'),
      );
      const session = new SyncSession();
      const fresh = async (): Promise<void> => {
        for (const e of ['oxigraph', 'comunica'] as const) {
          const r = await sync({ manifestPath, check: true, noFastPath: true, engine: e });
          expect(r.status, `${e}: ${JSON.stringify(r.entries.filter((x) => x.diff))}`).toBe('clean');
        }
      };
      const edit = (file: string, change: (t: string) => string) =>
        writeFileSync(file, change(readFileSync(file, 'utf8')));
      const billing = path.join(dir, 'generated/services/billing.ts');
      // Each step: its edits (one run), and whether the held graph took its delta.
      const steps: Array<{ what: string; edits: Array<() => void>; held: boolean }> = [
        {
          what: 'a triple two files assert, removed from one: it stays',
          edits: [() => edit(domain, (t) => t.replace(/ ;\n {2}rdfs:comment "Charges[^\n]*/, ' .'))],
          held: true,
        },
        {
          what: 'removed from the other too (it goes), another one added there',
          edits: [
            () =>
              edit(
                extra,
                (t) => `${t.replace(/^ex:Billing rdfs:comment .*\n/m, '')}ex:Billing rdfs:comment "Charges twice." .\n`,
              ),
          ],
          held: true,
        },
        {
          what: 'a literal of each file in one run',
          edits: [
            () => edit(extra, (t) => t.replace('Charges twice.', 'Charges once more.')),
            () => edit(domain, (t) => t.replace('Routes calls.', 'Routes every call.')),
          ],
          held: true,
        },
        {
          what: 'a triple moved from one file to the other',
          edits: [
            () => edit(domain, (t) => t.replace(/ ;\n {2}rdfs:label "Call router"/, '')),
            () => edit(extra, (t) => `${t}ex:CallRouter rdfs:label "Call router" .\n`),
          ],
          held: true,
        },
        {
          what: 'a prefix that rewrites an IRI',
          edits: [() => edit(extra, (t) => t.replace('<https://example.org/docs/>', '<https://example.org/manual/>'))],
          held: true,
        },
        {
          what: 'a literal of a blank node: built afresh',
          edits: [() => edit(extra, (t) => t.replace('"a note"', '"another note"'))],
          held: false,
        },
        {
          what: 'a triple the rule reads (a new service, a new inferred component): built afresh',
          edits: [
            () =>
              edit(
                domain,
                (t) => `${t}\nex:Paging a ex:Service ;\n  rdfs:label "Paging" ;\n  rdfs:comment "Pages." .\n`,
              ),
          ],
          held: false,
        },
        {
          what: 'a literal after that build',
          edits: [() => edit(domain, (t) => t.replace('"Pages."', '"Pages on call."'))],
          held: true,
        },
      ];
      try {
        expect((await sync({ manifestPath, session, engine })).status).toBe('written');
        let hits = 0;
        let misses = 1;
        for (const step of steps) {
          for (const e of step.edits) e();
          const r = await sync({ manifestPath, session, engine });
          expect(r.status, step.what).toBe('written');
          if (step.held) hits++;
          else misses++;
          expect([session.parses.held.hits, session.parses.held.misses], step.what).toEqual([hits, misses]);
          await fresh();
        }
        expect(readFileSync(billing, 'utf8')).toContain('Charges once more.');
        expect(readFileSync(path.join(dir, 'generated/services/paging.ts'), 'utf8')).toContain('Pages on call.');
      } finally {
        await session.close();
      }
    }, 300_000);

  it('reports an unknown term of a held run as a graph built afresh does (its derived triples left out)', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const domain = path.join(dir, 'specs/domain.ttl');
    // A closed vocabulary whose one property is typed only by a rule: a fresh build checks the
    // terms before inference, so its hint names no property; the held graph has the derived type.
    writeFileSync(
      path.join(dir, 'specs/voc.ttl'),
      [
        '@prefix voc: <https://example.org/voc#> .',
        '@prefix owl: <http://www.w3.org/2002/07/owl#> .',
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
        '@prefix vann: <http://purl.org/vocab/vann/> .',
        '<https://example.org/voc> a owl:Ontology ; vann:preferredNamespaceUri "https://example.org/voc#" .',
        'voc:related rdfs:domain <https://example.org/ns#Service> .',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'rules/properties.rq'),
      'PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nCONSTRUCT { ?p a rdf:Property } WHERE { ?p rdfs:domain ?d }\n',
    );
    writeFileSync(
      manifestPath,
      `${readFileSync(manifestPath, 'utf8')}\n[[inference.rules]]\nname = "properties"\nconstruct = "rules/properties.rq"\n`,
    );
    const session = new SyncSession();
    try {
      expect((await sync({ manifestPath, session })).status).toBe('written');
      writeFileSync(
        domain,
        `${readFileSync(domain, 'utf8')}\nex:Billing <https://example.org/voc#relatd> ex:CallRouter .\n`,
      );
      const held = await sync({ manifestPath, session }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const fresh = await sync({ manifestPath, noFastPath: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(session.parses.held.hits).toBe(1);
      expect(fresh).toBeInstanceOf(InputError);
      expect((fresh as InputError).diagnostics[0]!.rule).toBe('vocabulary/unknown-property');
      expect((held as InputError).diagnostics).toEqual((fresh as InputError).diagnostics);
      // Fixed: the session writes what a fresh run computes.
      writeFileSync(domain, readFileSync(domain, 'utf8').replace('#relatd>', '#related>'));
      expect((await sync({ manifestPath, session })).status).toBe('written');
      expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');
    } finally {
      await session.close();
    }
  }, 300_000);

  it("replays the one-shot runs' parses kept on disk in its first run, and parses a damaged entry afresh", async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    // A second spec, with blank nodes (anonymous and named), that no edit touches.
    writeFileSync(
      path.join(dir, 'specs/notes.ttl'),
      [
        '@prefix ex: <https://example.org/ns#> .',
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
        'ex:Billing rdfs:seeAlso [ rdfs:label "a note" ] , _:kept .',
        '_:kept rdfs:label "kept" .',
        '',
      ].join('\n'),
    );
    expect((await sync({ manifestPath })).status).toBe('written');
    const parseDir = path.join(dir, '.ggen/cache/parse');
    expect(readdirSync(parseDir)).toHaveLength(2);
    const edits = [
      (t: string) => t.replace('Routes calls.', 'Routes every call.'),
      (t: string) => t.replace('Routes every call.', 'Routes calls again.'),
    ];
    for (const [round, damage] of [false, true].entries()) {
      if (damage) for (const f of readdirSync(parseDir)) writeFileSync(path.join(parseDir, f), '{"format":1}');
      writeFileSync(spec, edits[round]!(readFileSync(spec, 'utf8')));
      const session = new SyncSession();
      try {
        expect((await sync({ manifestPath, session })).status).toBe('written');
        // The edited file is parsed; the other is the disk's (unless damaged), then the session's own.
        expect([session.parses.seededHits, session.parses.misses]).toEqual(damage ? [0, 2] : [1, 1]);
        expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');
        writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Billing rdfs:label "more" .\n`);
        expect((await sync({ manifestPath, session })).status).toBe('written');
        expect([session.parses.seededHits, session.parses.hits]).toEqual([damage ? 0 : 1, 1]);
        expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');
      } finally {
        await session.close();
      }
      // The session never writes the disk parse cache: the damaged entries are still there.
      if (damage)
        for (const f of readdirSync(parseDir))
          expect(readFileSync(path.join(parseDir, f), 'utf8')).toBe('{"format":1}');
    }
  }, 300_000);

  it('keeps the cache files in memory between runs, and writes them when the session closes', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    const session = new SyncSession();
    const stages: string[] = [];
    const onStage = (r: { stage: string; summary: string }) => stages.push(`${r.stage} ${r.summary}`);
    try {
      expect((await sync({ manifestPath, session })).status).toBe('written');
      // What the first run saved waits in memory; the files on disk are not what the next run reads.
      const caches = ['graph', 'rows', 'render', 'format'].map((n) => path.join(dir, `.ggen/cache/${n}.json`));
      for (const f of caches) if (existsSync(f)) writeFileSync(f, '{ not json');
      writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes calls.', 'Routes every call.'));
      const r = await sync({ manifestPath, session, onStage });
      expect(r.status).toBe('written');
      expect(readFileSync(path.join(dir, 'generated/services/call-router.ts'), 'utf8')).toContain('Routes every call.');
      // Templates whose rows did not change came from the in-memory render cache, the broken file unread.
      expect(stages.find((l) => l.startsWith('emit '))).toMatch(/template\(s\) unchanged \(render cache\)/);
      for (const f of caches) if (existsSync(f)) expect(readFileSync(f, 'utf8')).toBe('{ not json');
    } finally {
      await session.close();
    }
    // Closing wrote them: a one-shot run after the loop reuses them, and writes what a full run computes.
    for (const n of ['graph', 'rows', 'render', 'format'])
      expect(() => JSON.parse(readFileSync(path.join(dir, `.ggen/cache/${n}.json`), 'utf8')), n).not.toThrow();
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\n`);
    stages.length = 0;
    const after = await sync({ manifestPath, onStage });
    expect(after.status).toBe('written');
    expect(stages.find((l) => l.startsWith('emit '))).toMatch(/unchanged \(render cache\)/);
    expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');
  }, 300_000);
});
