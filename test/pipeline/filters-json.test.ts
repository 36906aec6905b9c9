/**
 * The `json` filter in every context the templates use it (templates/otp/*.njk, templates/_otp/*.njk):
 * an expression in an object literal, an argument, the right side of `??`, an initializer followed by
 * a line comment. Spec text in the value must not end a line, close a <script>, or open an HTML
 * comment, and the rendered code must evaluate back to exactly the value.
 */
import { describe, expect, it } from 'vitest';
import { extractTemplateData, loadTemplates, render, type EmitEngine } from '../../src/pipeline/emit/index.js';
import { json } from '../../src/pipeline/emit/filters.js';
import type { Manifest, Row } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';

const HOSTILE = [
  '</script><script>alert(1)</script>',
  '<!-- x -->',
  'line\u2028sep',
  'para\u2029sep',
  'a\nb\r\nc',
  'q"uo\'te`${x}`\\',
  '\u0000\u001f',
  '> <',
  'naïve 日本',
];

function project(template: string): Manifest {
  return tempProject('ggen-json-', { 'templates/out.ts.njk': `---\nto: out.ts\nquery: "ROWS"\n---\n${template}` });
}

async function renderWith(template: string, rows: Row[]): Promise<string> {
  const engine: EmitEngine = {
    async select() {
      return { variables: Object.keys(rows[0] ?? {}), rows };
    },
    async ask() {
      return true;
    },
  };
  const m = project(template);
  const graph = { store: {} as never, digest: 'd', specFiles: ['specs/a.ttl'] };
  const res = await render(m, graph, await extractTemplateData(await loadTemplates(m), graph, engine, () => {}));
  return res.files[0]!.content;
}

const CONTEXTS: Array<[string, string, (code: string) => unknown]> = [
  [
    'an object literal value',
    'export const o = { value: {{ rows[0].v | json }} };\n',
    (c) => new Function(`${c.replace('export ', '')}; return o.value;`)(),
  ],
  [
    'a call argument',
    'f({{ rows[0].v | json }});\n',
    (c) => new Function(`let got; const f = (x) => { got = x; };\n${c}; return got;`)(),
  ],
  [
    'the right side of ??',
    'const v = env.x ?? {{ rows[0].v | json }};\n',
    (c) => new Function(`const env = {};\n${c}; return v;`)(),
  ],
  [
    'an initializer followed by a line comment',
    'const v = {{ rows[0].v | json }}; // spec value\nconst after = 1;\n',
    (c) => new Function(`${c}; return [v, after];`)(),
  ],
  ['with an indent argument', 'const v = {{ rows[0].v | json(2) }};\n', (c) => new Function(`${c}; return v;`)()],
];

describe('json filter output in every template context', () => {
  for (const [name, template, evaluate] of CONTEXTS) {
    it(`${name}: no raw < > U+2028 U+2029, and it evaluates back to the value`, async () => {
      for (const s of HOSTILE) {
        for (const v of [s, { nested: [s, 1, null, true] }]) {
          const code = await renderWith(template, [{ v: v as never }]);
          const body = code;
          expect(body).not.toMatch(/[<>\u2028\u2029]/);
          expect(body.toLowerCase()).not.toContain('</script');
          expect(body).not.toContain('<!--');
          let got: unknown;
          try {
            got = evaluate(body);
          } catch (err) {
            throw new Error(`${(err as Error).message} in:\n${body}`);
          }
          const want = name.includes('line comment') ? [v, 1] : v;
          expect(got).toEqual(want);
        }
      }
    });
  }
});

describe('json filter values', () => {
  const inert = (text: string): void => expect(text).not.toMatch(/[<>\u2028\u2029]/);
  it('escapes <, >, U+2028 and U+2029 in values and keys, and nothing else changes the value', () => {
    for (const v of ['<a>\u2028\u2029', { '<k>': ['</script>', 1] }]) {
      inert(json(v));
      expect(JSON.parse(json(v))).toEqual(v);
    }
  });
  it('indents when asked, with the same escaping', () => {
    const text = json({ a: [1, '<'] }, 2);
    inert(text);
    expect(text.split('\n')).toHaveLength(6);
    expect(JSON.parse(text)).toEqual({ a: [1, '<'] });
  });
  it('undefined and null become null; numbers and booleans stay', () => {
    expect(json(undefined)).toBe('null');
    expect(json(null)).toBe('null');
    expect(json(1.5)).toBe('1.5');
    expect(json(false)).toBe('false');
  });
});
