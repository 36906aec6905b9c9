/**
 * Front-half scaling: normalize (parse, one inference rule, digest, SHACL, one ASK gate) and one
 * ordered SELECT over synthetic specs of growing size. Prints one JSON line per size.
 * Run: npx tsc -p tsconfig.json && node dist/bench/front-scale.js [sizes...]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createQueryEngine } from '../src/pipeline/extract/engine.js';
import { loadManifest } from '../src/pipeline/manifest/index.js';
import { normalize } from '../src/pipeline/normalize/index.js';

const MANIFEST = `[project]
name = "scale"
[ontology]
sources = ["specs/*.ttl"]
[ontology.prefixes]
otp = "https://ggen.dev/otp#"
ex = "https://example.org/app#"
[[inference.rules]]
name = "children"
query = "CONSTRUCT { ?s otp:child ?w } WHERE { ?w otp:supervisedBy ?s }"
[validation]
shacl = ["shapes/w.ttl"]
[[validation.ask]]
name = "has-workers"
query = "ASK { ?w a otp:Worker }"
`;

const SHAPES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix otp: <https://ggen.dev/otp#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
otp:W a sh:NodeShape ; sh:targetClass otp:Worker ;
  sh:property [ sh:path otp:name ; sh:minCount 1 ; sh:datatype xsd:string ] ;
  sh:property [ sh:path otp:order ; sh:datatype xsd:integer ] .
`;

/** Six triples per worker (one of them to a blank node), spread over ten files. */
function specs(triples: number): string[] {
  const workers = Math.ceil(triples / 6);
  const files: string[][] = Array.from({ length: 10 }, () => [
    '@prefix otp: <https://ggen.dev/otp#> .',
    '@prefix ex: <https://example.org/app#> .',
  ]);
  for (let i = 0; i < workers; i++) {
    files[i % 10]!.push(
      `ex:w${i} a otp:Worker ; otp:name "w${i}" ; otp:order ${i} ; otp:supervisedBy ex:s${i % 100} ; otp:meta [ otp:note "n${i}" ] .`,
    );
  }
  return files.map((f) => f.join('\n') + '\n');
}

async function measure(triples: number): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ggen-scale-'));
  try {
    await mkdir(path.join(root, 'specs'));
    await mkdir(path.join(root, 'shapes'));
    await writeFile(path.join(root, 'ggen.toml'), MANIFEST);
    await writeFile(path.join(root, 'shapes/w.ttl'), SHAPES);
    for (const [i, body] of specs(triples).entries()) await writeFile(path.join(root, `specs/s${i}.ttl`), body);

    const t0 = performance.now();
    const manifest = await loadManifest(path.join(root, 'ggen.toml'));
    const engine = await createQueryEngine(manifest.ontology.prefixes);
    const t1 = performance.now();
    const graph = await normalize(manifest, engine);
    const t2 = performance.now();
    const { rows } = await engine.select(graph.store, {
      text: 'SELECT ?w ?name ?order WHERE { ?w a otp:Worker ; otp:name ?name ; otp:order ?order } ORDER BY ?order',
      file: '<bench>',
      line: 1,
    });
    const t3 = performance.now();
    console.log(
      JSON.stringify({
        workload: 'front_scale',
        triples: graph.tripleCount,
        rows: rows.length,
        setup_ms: Math.round(t1 - t0),
        normalize_ms: Math.round(t2 - t1),
        select_ms: Math.round(t3 - t2),
        total_ms: Math.round(t3 - t0),
        heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
      }),
    );
  } finally {
    if (!process.env.KEEP) await rm(root, { recursive: true, force: true });
    else console.log(root);
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1_000, 10_000, 100_000]) await measure(n);
