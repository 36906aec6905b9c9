import { describe, expect, it } from 'vitest';
import { extractTemplateData, loadTemplates, render, type EmitEngine } from '../../src/pipeline/emit/index.js';
import {
  camelCase,
  constantCase,
  kebabCase,
  pascalCase,
  snakeCase,
  tsIdent,
  tsString,
  groupBy,
  sortBy,
  where,
} from '../../src/pipeline/emit/filters.js';
import { InputError } from '../../src/pipeline/errors.js';
import type { Manifest, QueryText, Row } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';

function project(files: Record<string, string>): Manifest {
  return tempProject('ggen-emit-', files, { pkg: 'x' });
}

/** Answers by the first word of the query text: `ROWS <json>` or `ASK true|false`. */
const fake: EmitEngine & { seen: QueryText[] } = {
  seen: [],
  async select(_s, q) {
    fake.seen.push(q);
    const rows = JSON.parse(q.text.trim().replace(/^ROWS\s+/, '')) as Row[];
    return { variables: Object.keys(rows[0] ?? {}), rows };
  },
  async ask(_s, q) {
    return /true/.test(q.text);
  },
};
const graph = { store: {} as never, digest: 'abc', specFiles: ['specs/a.ttl'] };
const noValidate = (): void => {};

async function run(m: Manifest) {
  const set = await loadTemplates(m);
  return render(m, graph, await extractTemplateData(set, graph, fake, noValidate));
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe('case filters', () => {
  it('split words at separators and case boundaries', () => {
    expect(pascalCase('http-server')).toBe('HttpServer');
    expect(pascalCase('HTTPServer')).toBe('HttpServer');
    expect(camelCase('call_setup time')).toBe('callSetupTime');
    expect(kebabCase('CallSetup')).toBe('call-setup');
    expect(snakeCase('CallSetup2x')).toBe('call_setup2x');
    expect(constantCase('maxRetries')).toBe('MAX_RETRIES');
  });
  it('tsString makes any text an inert literal', () => {
    const evil = 'a"b\\c\n`${x}`</script>\u2028*/';
    const lit = tsString(evil);
    expect(lit).not.toMatch(/[\n\u2028<>]/);
    expect(lit).not.toContain('*/');
    expect(JSON.parse(lit)).toBe(evil);
    expect(new Function(`return ${lit};`)()).toBe(evil);
  });
  it('tsIdent keeps valid names, repairs others, refuses empty ones', () => {
    expect(tsIdent('callId')).toBe('callId');
    expect(tsIdent('class')).toBe('class_');
    expect(tsIdent('9lives')).toBe('_9lives');
    expect(tsIdent('a-b')).toBe('a_b');
    expect(() => tsIdent('---')).toThrow(/cannot make/);
  });
  it('row helpers', () => {
    const rows = [
      { k: 'b', n: 2 },
      { k: 'a', n: 1 },
      { k: 'b', n: 3 },
    ];
    expect(where(rows, 'k', 'b')).toHaveLength(2);
    expect(sortBy(rows, 'k').map((r) => r.n)).toEqual([1, 2, 3]);
    expect(groupBy(rows, 'k').map((g) => [g.key, g.rows.length])).toEqual([
      ['b', 2],
      ['a', 1],
    ]);
  });
});

describe('emit', () => {
  it('renders one output per row, with partials, vars and graph in context', async () => {
    const m = project({
      'q/things.rq': 'ROWS [{"name":"Alpha"},{"name":"beta-two"}]',
      'templates/thing.ts.njk':
        '---\nto: "things/{{ row.name | kebabCase }}.ts"\nquery: q/things.rq\nfor_each: true\n---\n{% include "_partials/head.njk" %}export const {{ row.name | camelCase }} = {{ row.name | tsString }};\n',
      'templates/_partials/head.njk': '// {{ vars.pkg }} {{ graph.digest }}\n',
      'templates/index.ts.njk':
        '---\nto: index.ts\nquery: |\n  ROWS [{"name":"Alpha"}]\n---\n{% for r in rows %}export * from "./things/{{ r.name | kebabCase }}";\n{% endfor %}',
    });
    const res = await run(m);
    expect(res.files.map((f) => f.path)).toEqual(['index.ts', 'things/alpha.ts', 'things/beta-two.ts']);
    expect(res.files[1]!.content).toBe('// x abc\nexport const alpha = "Alpha";\n');
    expect(res.files[0]!.template).toBe('templates/index.ts.njk');
    const inline = fake.seen.find((q) => q.file === 'templates/index.ts.njk')!;
    expect(inline.line).toBe(4);
    expect(fake.seen.some((q) => q.file === 'q/things.rq' && q.line === 1)).toBe(true);
  });

  it('named queries, when, skip_empty and create_once', async () => {
    const m = project({
      'templates/a.njk':
        '---\nto: a.md\nqueries:\n  xs: ROWS [{"v":1}]\n  ys: ROWS []\n---\n{{ data.xs[0].v }}{{ data.ys | length }}',
      'templates/b.njk': '---\nto: b.md\nwhen: ASK false\n---\nb',
      'templates/c.njk': '---\nto: c.md\nquery: ROWS []\nskip_empty: true\n---\nc',
      'templates/d.njk': '---\nto: d.ts\nmode: create_once\n---\nd',
    });
    const res = await run(m);
    expect(res.files.map((f) => [f.path, f.content, f.mode])).toEqual([
      ['a.md', '10', 'overwrite'],
      ['d.ts', 'd', 'create_once'],
    ]);
    expect(res.skipped.map((s) => s.template)).toEqual(['templates/b.njk', 'templates/c.njk']);
  });

  it('root: handwritten puts a create_once stub in the hand-written folder, and paths lets each side import the other', async () => {
    const m = project({
      'templates/stub.njk':
        '---\nto: app/x.ts\nmode: create_once\nroot: handwritten\n---\n{{ paths.output }}|{{ paths.handwrittenDir }}',
      'templates/gen.njk': '---\nto: app/y.ts\n---\n{{ paths.handwritten }}|{{ paths.outputDir }}',
    });
    const res = await run(m);
    expect(res.files.map((f) => [f.path, f.content, f.mode, f.root ?? 'output'])).toEqual([
      ['../src/domains/app/x.ts', '../../generated|src/domains', 'create_once', 'handwritten'],
      ['app/y.ts', '../src/domains|generated', 'overwrite', 'output'],
    ]);
    expect(
      (await inputError(run(project({ 'templates/s.njk': '---\nto: x.ts\nroot: handwritten\n---\n' })))).message,
    ).toMatch(/root: handwritten` writes into the user's folder, so it needs `mode: create_once`/);
    expect(
      (await inputError(run(project({ 'templates/s.njk': '---\nto: x.ts\nroot: elsewhere\n---\n' })))).message,
    ).toMatch(/`root` must be `output` or `handwritten`/);
    expect(
      (
        await inputError(
          run(project({ 'templates/s.njk': '---\nto: ../x.ts\nmode: create_once\nroot: handwritten\n---\n' })),
        )
      ).message,
    ).toMatch(/to: "..\/x.ts" escapes the hand-written folder/);
  });

  it('an undefined variable names template:line (after the frontmatter)', async () => {
    const m = project({ 'templates/x.ts.njk': '---\nto: x.ts\n---\nline4\n\nline6 {{ nope }}\n' });
    const err = await inputError(run(m));
    expect(err.message).toMatch(/^templates\/x\.ts\.njk:6:\d+: undefined variable/);
  });

  it('an undefined variable in a partial names the partial', async () => {
    const m = project({
      'templates/x.ts.njk': '---\nto: x.ts\n---\n{% include "_p/part.njk" %}\n',
      'templates/_p/part.njk': 'ok\n{{ row.missing }}\n',
    });
    const err = await inputError(run(m));
    expect(err.message).toMatch(/^templates\/_p\/part\.njk:2:\d+: /);
  });

  it('refuses unknown keys, missing to, escaping paths and duplicate outputs', async () => {
    expect(
      (await inputError(run(project({ 'templates/x.njk': '---\nto: x\nfor_eahc: true\n---\n' })))).message,
    ).toMatch(/^templates\/x\.njk:3:1: unknown frontmatter key "for_eahc"/);
    expect((await inputError(run(project({ 'templates/x.njk': 'no frontmatter' })))).message).toMatch(/no frontmatter/);
    expect((await inputError(run(project({ 'templates/x.njk': '---\nto: ../../etc/x\n---\n' })))).message).toMatch(
      /^templates\/x\.njk:2: to: "..\/..\/etc\/x" escapes the output directory/,
    );
    const dup = await inputError(
      run(project({ 'templates/a.njk': '---\nto: same.ts\n---\n', 'templates/b.njk': '---\nto: same.ts\n---\n' })),
    );
    expect(dup.message).toMatch(/templates\/b\.njk.*same\.ts.*templates\/a\.njk/);
  });

  it('reports a template syntax error with its line', async () => {
    const err = await inputError(run(project({ 'templates/x.njk': '---\nto: x\n---\nfine\n{% if %}\n' })));
    expect(err.message).toMatch(/^templates\/x\.njk:5:\d+: /);
  });

  it('validates rows against a declared schema', async () => {
    const m = project({
      'templates/x.njk': '---\nto: x\nquery: ROWS [{"a":1}]\nschema: s.json\n---\n',
      's.json': '{"type":"array"}',
    });
    const set = await loadTemplates(m);
    const calls: string[] = [];
    await extractTemplateData(set, graph, fake, (rows, _schema, file) => calls.push(`${file}:${rows.length}`));
    expect(calls).toEqual(['s.json:1']);
    expect(set.templates[0]!.deps).toEqual(['s.json']);
  });
});

describe('strict undefined through filters', () => {
  it('a misspelt field given to a filter names template:line', async () => {
    const m = project({
      'templates/x.ts.njk':
        '---\nto: x.ts\nquery: ROWS [{"name":"a"}]\nfor_each: true\n---\nok\n  const x = {{ row.nmae | tsString }};\n',
    });
    const err = await inputError(run(m));
    expect(err.message).toMatch(
      /^templates\/x\.ts\.njk:7:\d+: undefined variable: the value given to filter "tsString"/,
    );
  });
  it('default still accepts undefined', async () => {
    const m = project({ 'templates/x.njk': '---\nto: x\n---\n{{ nope | default("d") | upper }}' });
    expect((await run(m)).files[0]!.content).toBe('D');
  });
});

describe('positions of call errors', () => {
  it('calling an undefined function names its line', async () => {
    const m = project({ 'templates/x.njk': '---\nto: x\n---\na\nb\n{{ nothing(1) }}\n' });
    expect((await inputError(run(m))).message).toMatch(/^templates\/x\.njk:6:\d+: /);
  });
});

describe('positions after an include', () => {
  it('an error after an include names the including template, not the partial', async () => {
    const m = project({
      'templates/x.njk': '---\nto: x\n---\n{% include "_p/a.njk" %}\n{{ row_missing }}\n',
      'templates/_p/a.njk': 'fine {{ vars.pkg | upper }}\n',
    });
    expect((await inputError(run(m))).message).toMatch(/^templates\/x\.njk:5:\d+: undefined variable/);
    const f = project({
      'templates/x.njk': '---\nto: x\n---\n{% include "_p/a.njk" %}\n\n{{ nope | tsString }}\n',
      'templates/_p/a.njk': 'fine {{ vars.pkg | upper }}\n',
    });
    expect((await inputError(run(f))).message).toMatch(
      /^templates\/x\.njk:6:\d+: undefined variable: the value given to filter "tsString"/,
    );
  });
});
