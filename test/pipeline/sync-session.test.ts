/**
 * `sync --watch` runs keep parsed files (normalize/parse-cache.ts) and the Oxigraph copy of the
 * last graph (updated in place, engine/oxigraph.ts) between runs. What a warm run writes must be
 * what a fresh, full run in a new process computes: after each edit, `sync --check --full` on both
 * engines finds nothing to change.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
    } finally {
      await session.close();
    }
  }, 300_000);
});
