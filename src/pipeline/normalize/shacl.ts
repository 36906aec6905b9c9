/** SHACL validation with shacl-engine; every result becomes a diagnostic naming focus node and path. */
import type { Store } from 'n3';
import type { Diagnostic } from '../errors.js';
import type { QueryEngine } from '../engine/index.js';
import { at, type Position, type SourceIndex } from './positions.js';
import { showTerm } from './terms.js';

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
interface ShaclResult {
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
  /** The run's query engine, which also answers the shapes' sh:sparql constraints and targets. */
  engine: QueryEngine;
  /** Where a shapes-graph node and a SHACL-SPARQL query sit in the shapes files. */
  locate?: import('./shacl-sparql.js').LocateQuery;
  locateNode?: (t: Term) => { file?: string; line?: number };
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

export async function validateShacl(input: ShaclInput): Promise<ShaclOutcome> {
  const [{ Validator }, { DataFactory, Store: N3Store }, { sparqlPlugins, checkShapesSparql }] = await Promise.all([
    import('shacl-engine'),
    import('n3'),
    import('./shacl-sparql.js'),
  ]);
  // shacl-engine needs a factory with dataset(); an n3 Store is a DatasetCore.
  const factory = {
    ...DataFactory,
    dataset: (quads?: Iterable<unknown>) => new N3Store(quads ? ([...quads] as never) : undefined),
  };
  const options = {
    prefixes: input.prefixes,
    ...(input.locate ? { locate: input.locate } : {}),
    ...(input.locateNode ? { locateNode: input.locateNode } : {}),
  };
  await checkShapesSparql(input.shapes as never, input.engine, options);
  const validator = new Validator(input.shapes, { factory, ...sparqlPlugins(input.engine, options) } as never);
  const report = await validator.validate({ dataset: input.data });
  const out: ShaclOutcome = { violations: [], warnings: [] };
  for (const r of report.results as ShaclResult[]) {
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
