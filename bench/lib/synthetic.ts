/**
 * Synthetic ggen projects for the benchmarks and the engine differential test: N entities of
 * ~10 triples each (literals, numbers, booleans, a link to the next entity), one generated module
 * per entity from one template.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SYNTHETIC_QUERY =
  'SELECT ?e ?label ?comment ?code ?weight ?enabled ?owner ?region ?tier WHERE {\n  ?e a ex:Entity ; rdfs:label ?label ; rdfs:comment ?comment ; ex:code ?code ; ex:weight ?weight ;\n     ex:enabled ?enabled ; ex:owner ?owner ; ex:region ?region ; ex:tier ?tier .\n} ORDER BY ?code\n';

/** The spec text of `triples` synthetic triples (~triples/10 entities). */
export function syntheticSpec(triples: number): string {
  const entities = Math.max(1, Math.round(triples / 10));
  const lines = [
    '@prefix ex: <https://example.org/bench#> .',
    '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
    '',
  ];
  for (let i = 0; i < entities; i++) {
    lines.push(
      `ex:Entity${i} a ex:Entity ; rdfs:label "Entity ${i}" ; rdfs:comment "Synthetic entity number ${i}." ;`,
      `  ex:code "E${i}" ; ex:weight ${i % 97} ; ex:enabled ${i % 2 === 0 ? 'true' : 'false'} ;`,
      `  ex:owner "team-${i % 13}" ; ex:region "r${i % 7}" ; ex:tier ${i % 3} ; ex:next ex:Entity${(i + 1) % entities} .`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a synthetic project into a new temp dir and returns it. `extraToml` is appended to
 * ggen.toml. `perEntity: false` renders one summary file instead of one module per entity (for
 * graphs too large to emit a module per entity).
 */
export function syntheticProject(triples: number, extraToml = '', options: { perEntity?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ggen-bench-${triples}-`));
  mkdirSync(path.join(dir, 'specs'));
  mkdirSync(path.join(dir, 'templates'));
  mkdirSync(path.join(dir, 'queries'));
  writeFileSync(path.join(dir, 'specs/entities.ttl'), syntheticSpec(triples));
  writeFileSync(
    path.join(dir, 'ggen.toml'),
    `[project]\nname = "bench"\n\n[ontology]\nsources = ["specs/*.ttl"]\n\n[ontology.prefixes]\nex = "https://example.org/bench#"\nrdfs = "http://www.w3.org/2000/01/rdf-schema#"\n\n[generation]\ntemplates = "templates"\noutput_dir = "generated"\n${extraToml}`,
  );
  writeFileSync(path.join(dir, 'queries/entities.rq'), SYNTHETIC_QUERY);
  if (options.perEntity === false) {
    writeFileSync(
      path.join(dir, 'templates/summary.ts.njk'),
      [
        '---',
        'to: "summary.ts"',
        'query: "SELECT ?tier (COUNT(?e) AS ?entities) (SUM(?weight) AS ?weight) WHERE { ?e a ex:Entity ; ex:tier ?tier ; ex:weight ?weight } GROUP BY ?tier ORDER BY ?tier"',
        '---',
        'export const tiers = [',
        '{% for r in rows %}  { tier: {{ r.tier }}, entities: {{ r.entities }}, weight: {{ r.weight }} },',
        '{% endfor %}] as const;',
        '',
      ].join('\n'),
    );
    return dir;
  }
  writeFileSync(
    path.join(dir, 'templates/entity.ts.njk'),
    [
      '---',
      'to: "entities/{{ row.code | kebabCase }}.ts"',
      'query: queries/entities.rq',
      'for_each: true',
      '---',
      '/** {{ row.comment }} */',
      'export interface {{ row.label | pascalCase }} { code: string; weight: number; enabled: boolean }',
      'export const {{ row.label | camelCase }} = {',
      '  code: {{ row.code | tsString }}, label: {{ row.label | tsString }}, weight: {{ row.weight }}, enabled: {{ row.enabled }},',
      '  owner: {{ row.owner | tsString }}, region: {{ row.region | tsString }}, tier: {{ row.tier }},',
      '} as const;',
      '',
    ].join('\n'),
  );
  return dir;
}
