/**
 * Spec text never runs as code (issue #14, High 1). Every string value of the specs, for every
 * string-valued property of the vocabulary (read from the ontology: `rdfs:range xsd:string`, plus
 * any other property a spec gives a string, such as rdfs:comment), is replaced by itself followed
 * by hostile text that tries each way out of a context: closing a block comment, ending a line
 * comment (LF, CR, U+2028, U+2029), closing a string or template literal, interpolating, and
 * breaking Markdown/HTML. Values the shapes refuse are put back (refusing is safe: such a spec
 * never syncs); the rest go through the real pipeline (`sync`). Then every output must
 * type-check, no output may contain the payload's identifier as code, importing every module must
 * not run the payload (a global flag, and a file write), and the READMEs must keep the payload
 * on the line of the value it came with.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataFactory, Parser, Store, Writer, type Quad, type Term } from 'n3';
import { Validator } from 'shacl-engine';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createQueryEngine } from '../../src/pipeline/extract/index.js';
import { sparqlPlugins } from '../../src/pipeline/normalize/shacl-sparql.js';
import { indexLists } from '../../src/pipeline/normalize/lists.js';
import { sync } from '../../src/pipeline/sync.js';
import { repoRoot } from '../support/compiled.js';

const RDFS_RANGE = 'http://www.w3.org/2000/01/rdf-schema#range';
const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';
const LANG_STRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';
const ONTOLOGY = 'packs/otp/ontology/otp.ttl';
const SHAPES = 'packs/otp/shapes/otp.shapes.ttl';
// The payments fixture brings hand-written code (otp:HandWritten, otp:handWritten), which no domain uses.
const PAYMENTS = 'test/fixtures/payments/specs/payments.ttl';
const DOMAIN_SPECS = ['specs/telecom.ttl', 'specs/autonomics.ttl', 'specs/chat.ttl', PAYMENTS];

// Inside the repository (git-ignored /tmp/), so that generated code resolves `ws`, vitest and the runtime.
const dir = path.join(repoRoot, 'tmp', `hostile-${process.pid}`);
const mark = path.join(dir, 'pwned-by-spec-text');
const pwn = (n: number): string => `((globalThis as any).ggenPwned = ${n})`;
const PAYLOAD = [
  ` */ ;[${pwn(1)}]; /* `,
  `\n;[${pwn(2)}]; // `,
  `\r;[${pwn(3)}]; // `,
  `\u2028;[${pwn(4)}]; // `,
  `\u2029;[${pwn(5)}]; // `,
  `' + ${pwn(6)} + '`,
  `" + ${pwn(7)} + "`,
  `\` + ${pwn(8)} + \``,
  `\${${pwn(9)}}`,
  `\\`,
  ` */ ;[import('node:fs').then((f) => f.writeFileSync('${mark}', 'x'))]; /* `,
  ` --> <!-- </script><script>ggenPwned=10</script> <img src=x onerror=ggenPwned=11> `,
  `\n# injected heading\n| a | b |\n`,
].join('');
/** The original value, a tag that tells the hostile values apart (diagnostics quote it), then the payload. */
const hostile = (original: string, id: number): string => `${original} #h${id}#${PAYLOAD}`;
const original = (value: string): string => value.replace(/ #h\d+#[^]*$/, '');

const parse = (rel: string): Quad[] =>
  new Parser({ baseIRI: 'https://ggen.dev/' }).parse(readFileSync(path.join(repoRoot, rel), 'utf8'));
const isString = (t: Term): boolean =>
  t.termType === 'Literal' && (t.datatype.value === XSD_STRING || t.datatype.value === LANG_STRING);

/** The string-valued properties: declared so in the ontology, or given a string by a spec. */
function stringProperties(specs: Quad[][]): { declared: Set<string>; all: Set<string> } {
  const ontology = parse(ONTOLOGY);
  // A property the ontology itself gives values (e.g. otp:method on pattern classes) is the pack's
  // text, not a spec's: no spec uses it, so it is not counted here.
  const usedByOntology = new Set(ontology.map((q) => q.predicate.value));
  const declared = new Set(
    ontology
      .filter(
        (q) =>
          q.predicate.value === RDFS_RANGE && q.object.value === XSD_STRING && !usedByOntology.has(q.subject.value),
      )
      .map((q) => q.subject.value),
  );
  const all = new Set(declared);
  for (const q of specs.flat()) if (isString(q.object)) all.add(q.predicate.value);
  return { declared, all };
}

interface ShaclResult {
  focusNode?: { term?: Term };
  path?: Array<{ predicates?: Term[] }> | null;
  value?: { term?: Term };
  message?: Term[];
}

/**
 * Hostile quads (as `s p o` keys) the shapes refuse, found on the specs as the pipeline merges them:
 * a result on that very value, or a SPARQL-based result whose message quotes it (a reference to a
 * name that no longer exists, since names are refused).
 */
async function refusedByShapes(specs: Quad[][], hostileQuads: Quad[]): Promise<Set<string>> {
  const hostileKeys = new Set(hostileQuads.map((q) => key(q.subject, q.predicate, q.object)));
  const data = new Store([...parse(ONTOLOGY), ...specs.flat()]);
  indexLists(data);
  const factory = {
    ...DataFactory,
    dataset: (quads?: Iterable<unknown>) => new Store(quads ? ([...quads] as never) : undefined),
  };
  const engine = await createQueryEngine({ otp: 'https://ggen.dev/otp#' });
  const validator = new Validator(new Store(parse(SHAPES)), { factory, ...sparqlPlugins(engine) } as never);
  const report = await validator.validate({ dataset: data });
  const refused = new Set<string>();
  for (const r of report.results as ShaclResult[]) {
    const focus = r.focusNode?.term;
    const value = r.value?.term;
    const preds = r.path?.length === 1 ? (r.path[0]!.predicates ?? []) : [];
    const k = focus && value && preds.length === 1 ? key(focus, preds[0]!, value) : '';
    if (hostileKeys.has(k)) refused.add(k);
    else
      for (const q of quadsTagged(
        hostileQuads,
        `${value?.value ?? ''} ${(r.message ?? []).map((m) => m.value).join('; ')}`,
      ))
        refused.add(key(q.subject, q.predicate, q.object));
  }
  return refused;
}

/** The hostile quads whose tag `#h<n>#` occurs in `text` (a refused value, or a message quoting it). */
function quadsTagged(quads: Quad[], text: string): Quad[] {
  const ids = new Set([...text.matchAll(/#h(\d+)#/g)].map((m) => ` #h${m[1]}#`));
  return quads.filter((q) => [...ids].some((id) => q.object.value.includes(id)));
}

const key = (s: Term, p: Term, o: Term): string => `${s.termType}:${s.value} ${p.value} ${JSON.stringify(o.value)}`;

function walk(abs: string, out: string[] = []): string[] {
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const p = path.join(abs, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out.sort();
}

let outputs: string[] = [];
const refusedProps = new Map<string, number>();
const acceptedProps = new Map<string, number>();
let declaredProps = new Set<string>();
const generatorRefused: string[] = [];

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  mkdirSync(path.join(dir, 'specs'), { recursive: true });
  mkdirSync(path.join(dir, path.dirname(PAYMENTS)), { recursive: true });
  for (const rel of ['ggen.toml', 'schema', 'packs/otp/shapes']) {
    if (existsSync(path.join(repoRoot, rel)))
      cpSync(path.join(repoRoot, rel), path.join(dir, rel), { recursive: true });
  }
  const manifest = readFileSync(path.join(dir, 'ggen.toml'), 'utf8');
  expect(manifest).toContain('"specs/chat.ttl"');
  writeFileSync(path.join(dir, 'ggen.toml'), manifest.replace('"specs/chat.ttl"', `"specs/chat.ttl", "${PAYMENTS}"`));

  const parsed = DOMAIN_SPECS.map(parse);
  const { declared, all } = stringProperties(parsed);
  declaredProps = declared;
  // Every string value of a string-valued property, made hostile.
  let id = 0;
  let specs = parsed.map((quads) =>
    quads.map((q) =>
      all.has(q.predicate.value) && isString(q.object)
        ? DataFactory.quad(q.subject, q.predicate, DataFactory.literal(hostile(q.object.value, id++)), q.graph)
        : q,
    ),
  );
  const hostileNow = (): Quad[] => specs.flat().filter((q) => isString(q.object) && q.object.value.endsWith(PAYLOAD));
  const putBack = (refused: Set<string>): void => {
    specs = specs.map((quads) =>
      quads.map((q) => {
        if (!refused.has(key(q.subject, q.predicate, q.object))) return q;
        refusedProps.set(q.predicate.value, (refusedProps.get(q.predicate.value) ?? 0) + 1);
        return DataFactory.quad(q.subject, q.predicate, DataFactory.literal(original(q.object.value)), q.graph);
      }),
    );
  };
  // Put back what the shapes refuse, until they accept the rest.
  for (let round = 0; round < 8; round++) {
    const refused = await refusedByShapes(specs, hostileNow());
    if (refused.size === 0) break;
    putBack(refused);
  }

  // Then sync; a property whose value the pipeline itself refuses with an error quoting it (e.g. a
  // pattern that is not a regular expression) is put back too. Any other failure fails the test.
  const workers = process.env.GGEN_FORMAT_WORKERS;
  process.env.GGEN_FORMAT_WORKERS = '0'; // the worker runs compiled only; this test runs the sources
  try {
    for (let round = 0; ; round++) {
      DOMAIN_SPECS.forEach((rel, i) =>
        writeFileSync(path.join(dir, rel), new Writer({ format: 'Turtle' }).quadsToString(specs[i]!)),
      );
      try {
        await sync({ manifestPath: path.join(dir, 'ggen.toml'), noFastPath: true });
        break;
      } catch (err) {
        // The error names the first value refused; the others of its property would be refused alike.
        const props = new Set(
          (err instanceof InputError ? quadsTagged(hostileNow(), err.message) : []).map((q) => q.predicate.value),
        );
        if (props.size === 0 || round >= 5) throw err;
        generatorRefused.push(...props);
        putBack(
          new Set(
            hostileNow()
              .filter((q) => props.has(q.predicate.value))
              .map((q) => key(q.subject, q.predicate, q.object)),
          ),
        );
      }
    }
  } finally {
    if (workers === undefined) delete process.env.GGEN_FORMAT_WORKERS;
    else process.env.GGEN_FORMAT_WORKERS = workers;
  }
  for (const q of hostileNow()) acceptedProps.set(q.predicate.value, (acceptedProps.get(q.predicate.value) ?? 0) + 1);
  outputs = walk(path.join(dir, 'generated'));
}, 600_000);

afterAll(() => {
  delete (globalThis as { ggenPwned?: unknown }).ggenPwned;
  if (!process.env.GGEN_KEEP_HOSTILE) rmSync(dir, { recursive: true, force: true }); // set it to look at the outputs
});

describe('hostile text in every string-valued property of the specs', () => {
  it('reaches the outputs through every string property of the vocabulary (or is refused by the shapes)', () => {
    const missing = [...declaredProps].filter((p) => !refusedProps.has(p) && !acceptedProps.has(p));
    expect(missing, 'string properties no spec uses: this test cannot exercise them').toEqual([]);
    expect(acceptedProps.size).toBeGreaterThan(0);
    expect(outputs.filter((f) => f.endsWith('.ts')).length).toBeGreaterThan(50);
    // The text really is in the outputs: the test would be vacuous otherwise.
    expect(outputs.some((f) => readFileSync(f, 'utf8').includes('ggenPwned'))).toBe(true);
  });

  it('path-like and code-like values are refused by the shapes (otp:wsPath, otp:path, otp:tsType, otp:name)', () => {
    for (const p of ['wsPath', 'path', 'tsType', 'name']) {
      expect(refusedProps.get(`https://ggen.dev/otp#${p}`), p).toBeGreaterThan(0);
      expect(acceptedProps.has(`https://ggen.dev/otp#${p}`), p).toBe(false);
    }
  });

  it('a pattern that is not a regular expression is refused by the generator, not at import', () => {
    expect(generatorRefused).toContain('https://ggen.dev/otp#pattern');
  });

  it('type-checks, and no output has the payload as code', () => {
    const files = outputs.filter((f) => f.endsWith('.ts'));
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
      paths: {
        '@ggen-ts/runtime': [path.join(repoRoot, 'packages/runtime/src/index.ts')],
        '@ggen-ts/runtime/testing': [path.join(repoRoot, 'packages/runtime/src/testing/index.ts')],
      },
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && d.file.fileName.startsWith(dir))
      .map(
        (d) =>
          `${path.relative(dir, d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(diagnostics.slice(0, 20)).toEqual([]);

    const asCode: string[] = [];
    for (const file of files) {
      const sf = program.getSourceFile(file)!;
      const visit = (node: ts.Node): void => {
        if (
          (ts.isIdentifier(node) && node.text === 'ggenPwned') ||
          (ts.isPropertyAccessExpression(node) && node.name.text === 'ggenPwned')
        ) {
          asCode.push(`${path.relative(dir, file)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`);
        }
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
          asCode.push(`${path.relative(dir, file)}: import()`);
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(asCode).toEqual([]);
  }, 300_000);

  it('importing every generated module runs none of it', async () => {
    const modules = outputs.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const m of modules) await import(pathToFileURL(m).href);
    await new Promise((r) => setTimeout(r, 200)); // a payload's file write would have landed
    expect((globalThis as { ggenPwned?: unknown }).ggenPwned).toBeUndefined();
    expect(existsSync(mark)).toBe(false);
  }, 300_000);

  it('READMEs keep the text inert: no raw HTML, no line it could start', () => {
    const readmes = outputs.filter((f) => f.endsWith('.md'));
    // One README per domain, and the OTP vocabulary reference (its examples quote spec values).
    expect(readmes.length).toBe(DOMAIN_SPECS.length + 1);
    for (const f of readmes) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/<script|<img|<!-- --> /);
      // Each line the payload shows up on also holds the value it came with (no line break got through).
      const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/);
      expect(lines.filter((l) => /^\s*(;\[|# injected|\| a \| b \|)/.test(l))).toEqual([]);
    }
  });
});
