/** SHACL validation with shacl-engine; every result becomes a diagnostic naming focus node and path. */
import type { Store } from 'n3';
import type { Diagnostic } from '../errors.js';
import type { QueryEngine } from '../engine/index.js';
import { at, type Position, type SourceIndex } from './positions.js';
import { showTerm } from './terms.js';
import { TRACE, trace } from '../engine/base.js';
import { ShaclCore, encodeResult, type EncodedResult } from './shacl-core.js';
import type { ShapesSource, WarmShacl } from './shacl-warm.js';

interface Term {
  termType: string;
  value: string;
  id?: string;
}
interface PathStep {
  start?: string;
  quantifier?: string;
  predicates?: Term[];
}
export interface ShaclResult {
  focusNode?: { term?: Term };
  path?: PathStep[] | null;
  message?: Term[];
  severity?: Term;
  constraintComponent?: Term;
  value?: { term?: Term };
  shape?: { ptr?: { term?: Term } };
}

const SH = 'http://www.w3.org/ns/shacl#';
const QUANTIFIERS: Record<string, string> = { zeroOrMore: '*', oneOrMore: '+', zeroOrOne: '?' };

function showPath(path: PathStep[] | null | undefined, show: (t: Term) => string): string {
  if (!path || path.length === 0) return '';
  return path
    .map((step) => {
      const preds = (step.predicates ?? []).map(show);
      let s = preds.length === 1 ? (preds[0] ?? '') : `(${preds.join('|')})`;
      if (step.start === 'object') s = `^${s}`;
      return s + (QUANTIFIERS[step.quantifier ?? ''] ?? '');
    })
    .join('/');
}

export interface ShaclOutcome {
  violations: Diagnostic[];
  /** Results with severity sh:Warning or sh:Info: reported, not fatal. */
  warnings: Diagnostic[];
}

export interface ShaclInput {
  data: Store;
  shapes: Store;
  prefixes: Record<string, string>;
  /** Where each spec triple was written, and each file's prefixes. */
  positions: SourceIndex;
  /** Where each shape was written, used when the focus node was not written in a spec (an inferred node). */
  shapePositions: SourceIndex;
  /** Shapes file named when neither the focus nor the shape has a position. */
  shapesFile: string | undefined;
  /** What `shapes` was parsed from, when normalize parsed it (warm SHACL's name for the shapes graph: shacl-warm.ts parsedFrom). */
  shapesSource?: ShapesSource;
  /** The run's query engine, which also answers the shapes' sh:sparql constraints and targets. */
  engine: QueryEngine;
  /** Where a shapes-graph node and a SHACL-SPARQL query sit in the shapes files. */
  locate?: import('./shacl-sparql.js').LocateQuery;
  locateNode?: (t: Term) => { file?: string; line?: number };
  /** Where the core-only shapes validate: a worker started early in the run; by default this thread. */
  core?: ShaclCore;
  /**
   * false: no split, every shape validates in one shacl-engine run here. With no worker to share
   * the work with, the split would only build a second Validator and run each core shape alone.
   */
  split?: boolean;
  /**
   * Results of earlier runs, reused for the shapes whose reads are unchanged (shacl-warm.ts): in
   * memory under --watch, from the SHACL cache file on one-shot runs (shacl-disk.ts).
   */
  warm?: WarmShacl;
}

const localName = (iri: string) => iri.replace(/^.*[#/]/, '');

/** A rule id for the shape: its own name, or for a blank property shape `<NodeShape>/<path>`. */
function shapeName(shapes: Store, shape: Term | undefined): string | undefined {
  if (!shape) return undefined;
  if (shape.termType === 'NamedNode') return localName(shape.value);
  for (const parent of shapes.getSubjects(`${SH}property`, shape as never, null)) {
    if (parent.termType !== 'NamedNode') continue;
    const p = shapes.getObjects(shape as never, `${SH}path`, null)[0];
    return `${localName(parent.value)}${p?.termType === 'NamedNode' ? `/${localName(p.value)}` : ''}`;
  }
  for (const parent of shapes.getSubjects(`${SH}sparql`, shape as never, null))
    if (parent.termType === 'NamedNode') return localName(parent.value);
  return undefined;
}

/** The shape-valued links shacl-engine follows from a shape (validations/shape.js, logical.js). */
const NESTED = ['property', 'node', 'not', 'qualifiedValueShape'].map((n) => SH + n);
const NESTED_LISTS = ['and', 'or', 'xone'].map((n) => SH + n);
const RDF_FIRST = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#first';
const RDF_REST = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#rest';

/**
 * Which top-level shapes need the query engine: those with a SPARQL target (sh:target) or an
 * sh:sparql constraint anywhere in the shapes they nest, and every shape that shares a nested
 * shape with one of them (shacl-engine validates a shape once per focus node and run, and
 * replays its results when reached again: shapes that share nothing validate the same apart).
 * The rest is SHACL core only, validated by shacl-core.ts, off the main thread when compiled.
 */
export function partitionShapes(shapes: Store, tops: Term[]): boolean[] {
  const closures = shapeClosures(shapes, tops);
  const needs = tops.map(
    (top, i) =>
      shapes.getObjects(top as never, `${SH}target`, null).length > 0 ||
      [...closures[i]!.values()].some((t) => shapes.getObjects(t as never, `${SH}sparql`, null).length > 0),
  );
  // Spread the need across shared nested shapes until nothing changes.
  const owner = new Map<string, number[]>();
  closures.forEach((c, i) => {
    for (const k of c.keys()) owner.set(k, [...(owner.get(k) ?? []), i]);
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const sharing of owner.values()) {
      if (sharing.length < 2 || !sharing.some((i) => needs[i]) || sharing.every((i) => needs[i])) continue;
      for (const i of sharing) needs[i] = true;
      changed = true;
    }
  }
  return needs;
}

/** Each top-level shape with every shape it nests (keyed `termType|value`), as shacl-engine follows them. */
export function shapeClosures(shapes: Store, tops: Term[]): Array<Map<string, Term>> {
  const key = (t: Term) => `${t.termType}|${t.value}`;
  return tops.map((top) => {
    const seen = new Map<string, Term>([[key(top), top]]);
    const todo: Term[] = [top];
    const add = (t: Term) => {
      if (seen.has(key(t))) return;
      seen.set(key(t), t);
      todo.push(t);
    };
    for (let t = todo.pop(); t; t = todo.pop()) {
      for (const p of NESTED) for (const o of shapes.getObjects(t as never, p, null)) add(o);
      for (const p of NESTED_LISTS)
        for (let list of shapes.getObjects(t as never, p, null)) {
          for (let n = 0; n < 10_000 && list.termType !== 'NamedNode'; n++) {
            for (const o of shapes.getObjects(list, RDF_FIRST, null)) add(o);
            const rest = shapes.getObjects(list, RDF_REST, null)[0];
            if (!rest) break;
            list = rest;
          }
        }
    }
    return seen;
  });
}

/** Whether two lists name the same terms in the same order. */
function sameTerms(a: Term[], b: Term[]): boolean {
  return a.length === b.length && a.every((t, i) => t.termType === b[i]!.termType && t.value === b[i]!.value);
}

interface EngineShape {
  ptr: { term: Term; terms: Term[] };
  resolveTargets(context: { report: { results: unknown[] } }): Promise<unknown>;
}
interface EngineValidator {
  shapes: Map<unknown, EngineShape>;
  shape(ptr: unknown): EngineShape;
  shapesPtr: { node(terms: Term[]): unknown };
  validate(data: { dataset: unknown }, shapes?: unknown[]): Promise<{ results: unknown[] }>;
}

/**
 * Validates the top-level shapes `targets` in one run (as shacl-engine's validate() would, in
 * this order) and tags each result with the index `s` of the top-level shape it came from.
 */
export async function validateTagged<R>(
  validator: EngineValidator,
  dataset: unknown,
  targets: Array<{ s: number; term: Term }>,
): Promise<Array<{ s: number; r: R }>> {
  const starts: Array<{ s: number; at: number }> = [];
  const shapes = targets.map(({ s, term }) => {
    const shape = validator.shape(validator.shapesPtr.node([term]));
    const resolve = shape.resolveTargets.bind(shape);
    // Each top-level shape resolves its targets once, right before its results.
    shape.resolveTargets = (context) => {
      starts.push({ s, at: context.report.results.length });
      return resolve(context);
    };
    return shape;
  });
  const report = await validator.validate(
    { dataset },
    shapes.map((shape) => shape.ptr),
  );
  const out: Array<{ s: number; r: R }> = [];
  let k = 0;
  report.results.forEach((r, i) => {
    while (k + 1 < starts.length && starts[k + 1]!.at <= i) k++;
    const start = starts[k];
    if (!start || start.at > i) throw new Error('SHACL: a result came before any shape resolved its targets');
    out.push({ s: start.s, r: r as R });
  });
  return out;
}

/** Turns the worker's plain results back into shacl-engine's shape (terms as n3 terms). */
function decodeResult(N3: typeof import('n3'), e: EncodedResult): ShaclResult {
  const term = (id: string | undefined) => (id === undefined ? undefined : (N3.termFromId(id) as unknown as Term));
  const r: ShaclResult = { message: e.message.map((value) => ({ termType: 'Literal', value })) };
  if (e.focus !== undefined) r.focusNode = { term: term(e.focus)! };
  if (e.value !== undefined) r.value = { term: term(e.value)! };
  if (e.shape !== undefined) r.shape = { ptr: { term: term(e.shape)! } };
  if (e.severity !== undefined) r.severity = term(e.severity)!;
  if (e.component !== undefined) r.constraintComponent = term(e.component)!;
  if (e.path === null) r.path = null;
  else if (e.path)
    r.path = e.path.map((step) => ({
      start: step.start,
      quantifier: step.quantifier,
      predicates: step.predicates.map((p) => term(p)!),
    }));
  return r;
}

/**
 * Starts SHACL validation: the shapes' SPARQL is checked and the shapes that need the query
 * engine are validated here and now (on the run's engine), while the core-only shapes validate
 * on `input.core` (a worker started at the beginning of the run). The returned function joins
 * both and reports exactly what one shacl-engine run over all shapes reports, in its order.
 */
export async function startShacl(input: ShaclInput): Promise<() => Promise<ShaclOutcome>> {
  const results = await startShaclResults(input);
  return async () => reportOutcome(input, await results());
}

/** startShacl's raw side: shacl-engine's results, in the order one run over all shapes gives them. */
export async function startShaclResults(input: ShaclInput): Promise<() => Promise<ShaclResult[]>> {
  const core = input.core ?? ShaclCore.start({ inline: true });
  let coreResults: Promise<EncodedResult[]> | undefined;
  let results: Array<{ s: number; r: ShaclResult }>;
  let validator: EngineValidator | undefined;
  const N3 = await import('n3');
  try {
    const { sparqlPlugins, checkShapesSparql } = await import('./shacl-sparql.js');
    const options = {
      prefixes: input.prefixes,
      ...(input.locate ? { locate: input.locate } : {}),
      ...(input.locateNode ? { locateNode: input.locateNode } : {}),
    };
    await checkShapesSparql(input.shapes as never, input.engine, options);
    // With no split: the groups of shapes whose results an earlier run left valid (shacl-warm.ts), kept
    // in memory under --watch, in the SHACL cache file otherwise (shacl-disk.ts).
    const warm = input.split === false ? input.warm : undefined;
    if (input.shapesSource) warm?.parsedFrom(input.shapes, input.shapesSource);
    const planStarted = TRACE ? performance.now() : 0;
    const plan = async (t: Term[]) =>
      warm ? warm.plan(input.shapes, input.data, t, shapeClosures(input.shapes, t), input.engine, input.prefixes) : [];
    // The top-level shapes, as an earlier run over the same shapes graph listed them: when every
    // group's results are reused, shacl-engine is not even loaded (~0.1 s).
    let tops = await warm?.knownTops(input.shapes);
    let groups = tops ? await plan(tops) : [];
    if (!tops || groups.some((g) => !g.results)) {
      const { Validator } = await import('shacl-engine');
      // shacl-engine needs a factory with dataset(); an n3 Store is a DatasetCore.
      const factory = {
        ...N3.DataFactory,
        dataset: (quads?: Iterable<unknown>) => new N3.Store(quads ? ([...quads] as never) : undefined),
      };
      validator = new Validator(input.shapes, {
        factory,
        ...sparqlPlugins(input.engine, options),
      } as never) as unknown as EngineValidator;
      const listed = [...validator.shapes.values()].map((shape) => shape.ptr.term);
      if (!tops || !sameTerms(tops, listed)) groups = await plan((tops = listed));
      await warm?.keepTops(input.shapes, tops);
    }
    const needs = input.split === false ? tops.map(() => true) : partitionShapes(input.shapes, tops);
    const reused = new Set<number>();
    for (const g of groups) if (g.results) for (const s of g.shapes) reused.add(s);
    if (TRACE && warm)
      trace(
        planStarted,
        `shacl: ${groups.filter((g) => g.results).length} of ${groups.length} shape groups reused (${reused.size} of ${tops.length} shapes)${validator ? '' : '; shacl-engine not loaded'}`,
      );
    const coreTargets = tops.flatMap((term, s) =>
      needs[s] || reused.has(s) ? [] : [{ s, id: N3.termToId(term as never) }],
    );
    if (coreTargets.length > 0) {
      coreResults = core.validate(input.data, input.shapes, coreTargets, tops.length);
      coreResults.catch(() => undefined);
    } else await core.close();
    const engineStarted = TRACE ? performance.now() : 0;
    const targets = tops.flatMap((term, s) => (needs[s] && !reused.has(s) ? [{ s, term }] : []));
    results = validator ? await validateTagged<ShaclResult>(validator, input.data, targets) : [];
    if (!validator && targets.length > 0) throw new Error('SHACL: shapes to validate, and no validator');
    for (const g of groups) {
      if (g.results) results.push(...g.results.map((e) => ({ s: e.s, r: decodeResult(N3, e) })));
      else if (g.keep) {
        const mine = new Set(g.shapes);
        g.keep(results.filter((x) => mine.has(x.s)).map((x) => encodeResult(N3, x.s, x.r as never)));
      }
    }
    if (TRACE)
      trace(
        engineStarted,
        `shacl: ${tops.length - coreTargets.length} shapes on the engine; ${coreTargets.length} core-only ${core.inWorker ? 'in the worker' : 'in this thread, at the join'}`,
      );
  } catch (err) {
    await core.close();
    throw err;
  }
  return async () => {
    const joined = TRACE ? performance.now() : 0;
    const fromCore = (await coreResults) ?? [];
    if (TRACE) trace(joined, `shacl: joined the core-only shapes (${fromCore.length} results)`);
    const all = [...results, ...fromCore.map((e) => ({ s: e.s, r: decodeResult(N3, e) }))];
    // Stable: within one top-level shape, each side's results keep their order.
    all.sort((a, b) => a.s - b.s);
    return all.map((x) => x.r);
  };
}

/** Validates the data graph against the shapes, all in this call (`ggen validate`, tests). */
export async function validateShacl(input: ShaclInput): Promise<ShaclOutcome> {
  return (await startShacl(input))();
}

/** shacl-engine's results as diagnostics at the places the specs wrote them. */
export function reportOutcome(input: ShaclInput, results: ShaclResult[]): ShaclOutcome {
  const out: ShaclOutcome = { violations: [], warnings: [] };
  for (const r of results) {
    const focus = r.focusNode?.term;
    const value = r.value?.term;
    const step = r.path?.[0];
    const first =
      step &&
      step.start !== 'object' &&
      (!step.quantifier || step.quantifier === 'one') &&
      step.predicates?.length === 1
        ? step.predicates[0]
        : undefined;
    const single = r.path?.length === 1 ? first : undefined;
    // Most precise place first: the offending value's triple, the property on the focus, the focus itself.
    let pos: Position | undefined;
    if (focus && single && value) pos = input.positions.triple(focus, single, value)?.object;
    if (focus && !r.path?.length && value && !pos) pos = input.positions.withObject(focus, value)?.object;
    if (focus && first && !pos)
      for (const t of input.positions.withPredicate(focus, first)) {
        pos = t.predicate;
        break;
      }
    if (focus && !pos) pos = input.positions.subject(focus);
    const shapeTerm = r.shape?.ptr?.term;
    const shapePos = shapeTerm ? input.shapePositions.subject(shapeTerm) : undefined;
    const file = pos?.file ?? shapePos?.file ?? input.shapesFile;
    const show = (t: Term) => (pos ? input.positions.show(t, pos.file, input.prefixes) : showTerm(t, input.prefixes));
    const where = [focus ? show(focus) : '(no focus node)', showPath(r.path, show)].filter(Boolean).join(' ');
    let message = (r.message ?? []).map((m) => m.value).join('; ');
    const component = r.constraintComponent?.value.replace(SH, '').replace(/ConstraintComponent$/, '') ?? 'constraint';
    if (!message) message = `violates ${component}`;
    const mentioned = value !== undefined && message.includes(value.value);
    // Full IRIs a SPARQL message quotes read in the user's prefixes too.
    message = message.replace(/"(https?:\/\/[^"\s]+)"|<(https?:\/\/[^>\s]+)>/g, (m, a?: string, b?: string) => {
      const short = show({ termType: 'NamedNode', value: (a ?? b)! });
      return short.startsWith('<') ? m : short;
    });
    const sameAsFocus = value && focus && value.termType === focus.termType && value.value === focus.value;
    if (value && !sameAsFocus && !mentioned) message += ` (value ${show(value)})`;
    const rule = `shacl/${shapeName(input.shapes, shapeTerm) ?? component}`;
    const d: Diagnostic = {
      rule,
      ...(file ? { file } : {}),
      ...(pos ? { line: pos.line, col: pos.col } : shapePos && !pos ? { line: shapePos.line, col: shapePos.col } : {}),
      message: `${where}: ${message}`,
    };
    if (pos === undefined && shapePos)
      d.hint = `the node has no place in the specs (it was inferred); the shape is at ${at(shapePos)}`;
    if (!r.severity || r.severity.value === `${SH}Violation`) out.violations.push(d);
    else
      out.warnings.push({
        ...d,
        severity: 'warning',
        message: r.severity.value === `${SH}Info` ? `${d.message} [Info]` : d.message,
      });
  }
  return out;
}
