/**
 * `ggen explain [output-or-template]`: for each template, whether it rendered, why not (its
 * `when` was false, `skip_empty` found no rows, `for_each` had no rows, the manifest excludes it)
 * and which query rows fed each output. Runs normalize, extract and emit in memory, like sync,
 * and writes nothing (the graph cache is read, never written).
 */
import path from 'node:path';
import { InputError } from './errors.js';
import type { TemplateOutcome } from './emit/outcome.js';
import { loadManifest } from './manifest/index.js';

export interface ExplainResult {
  outputDir: string;
  /** Every template's outcome, or those that match the target. */
  outcomes: TemplateOutcome[];
  /** The target asked about, when one was. */
  target?: string;
}

const posix = (p: string) => p.split(path.sep).join('/');

/** Whether `o` is about `target`: its template file, or one of its outputs (relative to the output directory or to the root). */
function about(o: TemplateOutcome, target: string, outputDir: string): boolean {
  const t = posix(path.normalize(target)).replace(/^\.\//, '');
  if (o.template === t || o.template.endsWith(`/${t}`)) return true;
  const inOut = t.startsWith(`${outputDir}/`) ? t.slice(outputDir.length + 1) : t;
  return o.outputs.some((f) => f.path === inOut);
}

export async function explain(opts: { manifestPath?: string; target?: string } = {}): Promise<ExplainResult> {
  const manifest = await loadManifest(opts.manifestPath ?? 'ggen.toml');
  const [{ createQueryEngine, validateRows }, { normalizeCached }, emit] = await Promise.all([
    import('./extract/index.js'),
    import('./normalize/cache.js'),
    import('./emit/index.js'),
  ]);
  let engine: ReturnType<typeof createQueryEngine> | undefined;
  const getEngine = () => (engine ??= createQueryEngine(manifest.ontology.prefixes, manifest.ontology.engine));
  const { graph } = await normalizeCached(manifest, getEngine);
  const queries = {
    select: async (store: import('n3').Store, q: import('./types.js').QueryText) =>
      (await getEngine()).select(store, q),
    ask: async (store: import('n3').Store, q: import('./types.js').QueryText) => (await getEngine()).ask(store, q),
  };
  const templates = await emit.loadTemplates(manifest);
  const extract = emit.createExtractor(graph, queries, validateRows);
  const renderer = await emit.createRenderer(manifest, graph, templates.dirs);
  for (const t of templates.templates) renderer.add(await extract(t));
  const { excludedOutcomes } = await import('./emit/outcome.js');
  const all = [...(await excludedOutcomes(manifest.root, templates.excluded)), ...renderer.result().outcomes];
  const outputDir = manifest.generation.outputDir;
  if (!opts.target) return { outputDir, outcomes: all };
  const target = opts.target;
  const t = posix(path.normalize(target)).replace(/^\.\//, '');
  const inOut = t.startsWith(`${outputDir}/`) ? t.slice(outputDir.length + 1) : t;
  // Asked about one output: its template, with only that output's rows.
  let outcomes = all
    .filter((o) => about(o, target, outputDir))
    .map((o) =>
      o.outputs.some((f) => f.path === inOut) ? { ...o, outputs: o.outputs.filter((f) => f.path === inOut) } : o,
    );
  if (outcomes.length === 0) {
    // A file nothing rendered: the templates whose `to` could have produced it.
    const { couldRender } = await import('./emit/outcome.js');
    outcomes = all.filter((o) => couldRender(o.to, inOut));
  }
  if (outcomes.length === 0) {
    throw new InputError({
      rule: 'explain/unknown-target',
      message: `${target} is neither a template nor a path any template's \`to\` could render (templates are under ${manifest.generation.templates}, outputs under ${outputDir})`,
    });
  }
  return { outputDir, outcomes, target };
}

/** The text form: one block per template. */
export function formatExplain(r: ExplainResult): string {
  const lines: string[] = [];
  for (const o of r.outcomes) {
    const status =
      o.kind === 'rendered'
        ? `rendered ${o.outputs.length} file${o.outputs.length === 1 ? '' : 's'}`
        : `not rendered (${o.kind}): ${o.reason}`;
    lines.push(`${o.template}: ${status}`);
    for (const f of o.outputs) {
      const out = path.posix.join(r.outputDir, f.path);
      if (f.row) {
        const values = Object.entries(f.row.values)
          .filter(([k, v]) => !k.endsWith('_local') && v !== null && typeof v !== 'object')
          .map(
            ([k, v]) => `${k}=${JSON.stringify(typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}...` : v)}`,
          )
          .join(', ');
        lines.push(`  ${out}  <- row ${f.row.index + 1} of ${f.row.query}${values ? ` (${values})` : ''}`);
      } else {
        const fed = (f.queries ?? []).map((q) => `${q.query}: ${q.rows} row${q.rows === 1 ? '' : 's'}`).join(', ');
        lines.push(`  ${out}  <- ${fed || 'no query'}`);
      }
    }
    if (r.target && o.kind !== 'rendered') lines.push(`  to: ${o.to.trim()}`);
  }
  return lines.join('\n');
}
