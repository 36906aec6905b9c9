/**
 * Under `sync --watch` (a session) a query's answer is reused while the triples it can read are
 * unchanged: the rows cache, kept in memory, keys it by the digest of those triples
 * (extract/scope.ts). A warm run must still write what a fresh run computes, on either engine.
 * (What a query reads: rows-scope.test.ts.)
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BaseQueryEngine } from '../../src/pipeline/engine/base.js';
import { sync } from '../../src/pipeline/sync.js';
import { SyncSession } from '../../src/pipeline/sync/session.js';
import { project } from '../cli/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('query answers under a session', () => {
  it('reuses the answers of queries whose triples did not change, and writes what a fresh run computes', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    const index = path.join(dir, 'generated/index.ts');
    const session = new SyncSession();
    const fresh = async (): Promise<void> => {
      for (const engine of ['oxigraph', 'comunica'] as const) {
        const r = await sync({ manifestPath, check: true, noFastPath: true, engine });
        expect(r.status, `${engine}: ${JSON.stringify(r.entries.filter((e) => e.diff))}`).toBe('clean');
      }
    };
    // The queries the warm run sends to its engine (the others come from the rows cache).
    const select = vi.spyOn(BaseQueryEngine.prototype, 'select');
    const ask = vi.spyOn(BaseQueryEngine.prototype, 'ask');
    const edit = async (change: (t: string) => string): Promise<{ ran: number }> => {
      writeFileSync(spec, change(readFileSync(spec, 'utf8')));
      select.mockClear();
      ask.mockClear();
      expect((await sync({ manifestPath, session })).status).toBe('written');
      const ran = select.mock.calls.length + ask.mock.calls.length;
      await fresh();
      return { ran };
    };
    try {
      expect((await sync({ manifestPath, session })).status).toBe('written');
      // A comment: only the query that reads rdfs:comment runs; the label query (the same text in
      // two templates, asked once a run) and the ASK are reused.
      const comment = await edit((t) => t.replace('Routes calls.', 'Routes every call.'));
      expect(comment).toEqual({ ran: 1 });
      expect(readFileSync(path.join(dir, 'generated/services/call-router.ts'), 'utf8')).toContain('Routes every call.');
      // A label: both SELECTs read it and run again (the index names the new label); the ASK reads rdf:type only.
      const label = await edit((t) => t.replace('"Call router"', '"Call switch"'));
      expect(label).toEqual({ ran: 2 });
      expect(readFileSync(index, 'utf8')).toContain('call-switch');
      // A service added, with blank nodes and an rdf:List on it (predicates no query reads), then removed.
      await edit(
        (t) =>
          `${t}\nex:Ledger a ex:Service ;\n  rdfs:label "Ledger" ;\n  rdfs:comment "Keeps books." ;\n` +
          `  rdfs:seeAlso [ rdfs:label "a note" ] ;\n  ex:tags ( "a" [ ex:k "b" ] ) .\n`,
      );
      expect(readFileSync(index, 'utf8')).toContain('ledger');
      // Only blank-node-bearing triples change: every answer is reused.
      const blanks = await edit((t) => t.replace('[ rdfs:label "a note" ]', '[ rdfs:label "a note" ; ex:k "c" ]'));
      expect(blanks).toEqual({ ran: 0 });
      // A bad edit writes nothing and keeps nothing; the fix after it is answered right.
      writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Broken a .\n`);
      await expect(sync({ manifestPath, session })).rejects.toThrow();
      await edit((t) => t.replace('\nex:Broken a .\n', '\n').replace(/\nex:Ledger[\s\S]*$/, '\n'));
      expect(readFileSync(index, 'utf8')).not.toContain('ledger');
    } finally {
      await session.close();
      select.mockRestore();
      ask.mockRestore();
    }
  }, 300_000);
});
