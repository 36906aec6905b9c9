/** SHACL validation with shacl-engine; every result becomes a diagnostic naming focus node and path. */
import type { Store } from 'n3';
import type { Diagnostic } from '../errors.js';
import type { QueryEngine } from '../engine/index.js';
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

function showPath(path: PathStep[] | null | undefined, prefixes: Record<string, string>): string {
  if (!path || path.length === 0) return '';
  return path
    .map((step) => {
      const preds = (step.predicates ?? []).map((p) => showTerm(p, prefixes));
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
  /** Subject (term id) → spec file that declares it, to point diagnostics at a file. */
  subjectFile: (term: Term) => string | undefined;
  /** Shape (term id) → shapes file, used when the focus node's file is unknown. */
  shapeFile: (term: Term | undefined) => string | undefined;
  /** The run's query engine, which also answers the shapes' sh:sparql constraints and targets. */
  engine: QueryEngine;
  /** Where a shapes-graph node and a SHACL-SPARQL query sit in the shapes files. */
  locate?: import('./shacl-sparql.js').LocateQuery;
  locateNode?: (t: Term) => { file?: string; line?: number };
}

export async function validateShacl(input: ShaclInput): Promise<ShaclOutcome> {
  const [{ Validator }, { DataFactory, Store: N3Store }, { sparqlPlugins, checkShapesSparql }] = await Promise.all([
    import('shacl-engine'),
    import('n3'),
    import('./shacl-sparql.js'),
  ]);
  // shacl-engine needs a factory with dataset(); an n3 Store is a DatasetCore.
  const factory = { ...DataFactory, dataset: (quads?: Iterable<unknown>) => new N3Store(quads ? ([...quads] as never) : undefined) };
  const options = { prefixes: input.prefixes, ...(input.locate ? { locate: input.locate } : {}), ...(input.locateNode ? { locateNode: input.locateNode } : {}) };
  await checkShapesSparql(input.shapes as never, input.engine, options);
  const validator = new Validator(input.shapes, { factory, ...sparqlPlugins(input.engine, options) } as never);
  const report = await validator.validate({ dataset: input.data });
  const out: ShaclOutcome = { violations: [], warnings: [] };
  for (const r of report.results as ShaclResult[]) {
    const focus = r.focusNode?.term;
    const where = [focus ? showTerm(focus, input.prefixes) : '(no focus node)', showPath(r.path, input.prefixes)]
      .filter(Boolean)
      .join(' ');
    let message = (r.message ?? []).map((m) => m.value).join('; ');
    if (!message) {
      const component = r.constraintComponent?.value.replace(SH, '').replace(/ConstraintComponent$/, '') ?? 'constraint';
      message = `violates ${component}`;
    }
    if (r.value?.term && !message.includes(r.value.term.value)) message += ` (value ${showTerm(r.value.term, input.prefixes)})`;
    const file = (focus && input.subjectFile(focus)) ?? input.shapeFile(r.shape?.ptr?.term);
    const d: Diagnostic = { ...(file ? { file } : {}), message: `${where}: ${message}` };
    if (!r.severity || r.severity.value === `${SH}Violation`) out.violations.push(d);
    else out.warnings.push({ ...d, message: `${d.message} [${r.severity.value.replace(SH, '')}]` });
  }
  return out;
}
