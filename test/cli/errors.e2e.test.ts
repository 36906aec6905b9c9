import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ggen, project, snapshot } from './helpers.js';

let synced = '';
beforeAll(() => {
  ensureBuilt();
  synced = project();
  expect(ggen(synced, ['sync']).code).toBe(0);
});

const edit = (dir: string, rel: string, f: (s: string) => string): void =>
  writeFileSync(path.join(dir, rel), f(readFileSync(path.join(dir, rel), 'utf8')));

/** Runs sync on a fresh copy and on an already-synced copy; in both, a failure must write nothing. */
function failsClosed(breakIt: (dir: string) => void): { code: number; stderr: string } {
  const fresh = project();
  breakIt(fresh);
  const r = ggen(fresh, ['sync']);
  expect(snapshot(fresh, ['generated', 'receipts', '.ggen'])).toEqual({});

  const copy = mkdtempSync(path.join(tmpdir(), 'ggen-cli-synced-'));
  cpSync(synced, copy, { recursive: true });
  const before = snapshot(copy, ['generated', 'receipts', '.ggen']);
  breakIt(copy);
  const again = ggen(copy, ['sync']);
  expect(again.code).toBe(r.code);
  expect(snapshot(copy, ['generated', 'receipts', '.ggen'])).toEqual(before);
  return { code: r.code, stderr: r.stderr };
}

describe('ggen sync fails closed (exit 2, file:line, nothing written)', () => {
  it('malformed Turtle names the line', () => {
    const r = failsClosed((d) =>
      edit(d, 'specs/domain.ttl', (s) => s.replace('rdfs:label "Call router" ;', 'rdfs:label "Call router ;')),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^specs\/domain\.ttl:\d+(:\d+)?: /m);
  });

  it('a SELECT without ORDER BY is refused, naming the query', () => {
    const r = failsClosed((d) => edit(d, 'queries/services.rq', (s) => s.replace('ORDER BY ?label', '')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^queries\/services\.rq(:\d+)*: .*ORDER BY/im);
  });

  it('an undefined template variable names template:line', () => {
    const r = failsClosed((d) =>
      edit(d, 'templates/service.ts.njk', (s) =>
        s.replace('name: {{ row.label | tsString }},', 'name: {{ row.nmae | tsString }},'),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^templates\/service\.ts\.njk:10:\d+: undefined variable/m);
  });

  it('a `to` that escapes the output directory is refused', () => {
    const r = failsClosed((d) =>
      writeFileSync(path.join(d, 'templates/evil.ts.njk'), '---\nto: ../../escape.ts\n---\nexport {};\n'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^templates\/evil\.ts\.njk:2: to: "\.\.\/\.\.\/escape\.ts" escapes the output directory/m);
  });

  it('a `to` that escapes through a symlinked directory is refused', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'ggen-outside-'));
    const dir = project();
    mkdirSync(path.join(dir, 'generated'));
    symlinkSync(outside, path.join(dir, 'generated/link'));
    writeFileSync(path.join(dir, 'templates/evil.ts.njk'), '---\nto: link/x.ts\n---\nexport {};\n');
    const r = ggen(dir, ['sync']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/templates\/evil\.ts\.njk.*link\/x\.ts.*outside the output directory/);
    expect(snapshot(outside, ['.'])).toEqual({});
    expect(snapshot(dir, ['generated', 'receipts'])).toEqual({});
  });

  it('generated code that does not parse is refused before anything is written', () => {
    const r = failsClosed((d) =>
      edit(d, 'templates/service.ts.njk', (s) => s.replace('export const', 'export const const')),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^templates\/service\.ts\.njk: generated generated\/services\/billing\.ts:\d+:\d+ is not valid/m,
    );
  });

  it("rows that break a template's JSON Schema are refused, naming the schema", () => {
    const r = failsClosed((d) =>
      edit(d, 'schemas/services.json', (s) => s.replace('"minLength": 1', '"minLength": 100')),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^schemas\/services\.json/m);
  });

  it('an invalid manifest exits 2 naming ggen.toml', () => {
    const r = failsClosed((d) => edit(d, 'ggen.toml', (s) => s.replace('[project]', '[project]\nbogus = 1')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ggen\.toml/m);
  });
});
