/**
 * The receipt: an in-toto Statement v1 with a SLSA provenance v1 predicate.
 * It holds no timestamp or random id, so an unchanged sync rewrites it byte for byte.
 *
 * Layout decisions:
 * - `subject`: every `overwrite` output, `{name: <path from root>, digest: {sha256}}`, sorted by name.
 * - `create_once` outputs belong to the user once written, so they are not subjects: they are
 *   listed in `runDetails.byproducts` as `{name, uri: "file:<path>", annotations: {mode: "create_once"}}`.
 * - `resolvedDependencies`: input files as `{uri: "file:<path>", digest, annotations: {role}}` sorted by uri;
 *   a file that a pack brings also carries `annotations.pack` (its name), and each pack's own
 *   pack.toml has role `pack` with `annotations.version`; `internalParameters.packs` lists the
 *   packs in order as {name, version, path};
 *   then `pkg:npm/<name>@<version>` for ggen-ts and each pipeline library.
 * - the graph digest is the byproduct named `graph`.
 */
import path from 'node:path';
import type { Manifest, PackInfo } from '../types.js';

/** The pack a root-relative file belongs to, if any. */
export function packOf(packs: PackInfo[], file: string): PackInfo | undefined {
  return packs.find(
    (p) => file === p.dir || file.startsWith(`${p.dir}/`) || (p.dir === '.' && !file.startsWith('../')),
  );
}

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';
export const BUILD_TYPE = 'https://github.com/ggen-ts/ggen-ts/sync/v1';
export const BUILDER_ID = 'https://github.com/ggen-ts/ggen-ts';
export const RECEIPT_COMMAND = 'ggen sync';

export type InputRole = 'manifest' | 'pack' | 'spec' | 'shapes' | 'rule' | 'template' | 'partial' | 'query' | 'schema';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: { sha256: string };
  annotations?: Record<string, string | number>;
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof PREDICATE_TYPE;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: { command: string; manifest: { path: string; content: unknown } };
      internalParameters: {
        outputDir: string;
        templates: string;
        packs?: Array<{ name: string; version: string; path: string }>;
      };
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string; version: Record<string, string> };
      byproducts: ResourceDescriptor[];
    };
  };
}

export interface ReceiptInput {
  manifest: Manifest;
  /** Paths relative to root. */
  outputs: Array<{ path: string; sha256: string; mode: 'overwrite' | 'create_once' }>;
  inputs: Array<{ path: string; sha256: string; role: InputRole }>;
  packages: Array<{ name: string; version: string }>;
  graph: { digest: string; tripleCount: number; inferredTriples: number; rounds: number };
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** Recursively sorted object keys, so the manifest's content is recorded the same way every time. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** purl for an npm package; a scope's `@` is percent-encoded. */
export const purl = (name: string, version: string): string => `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;

export function buildStatement(input: ReceiptInput): Statement {
  const ggen = input.packages.find((p) => p.name === 'ggen-ts');
  return {
    _type: STATEMENT_TYPE,
    subject: input.outputs
      .filter((o) => o.mode === 'overwrite')
      .map((o) => ({ name: o.path, digest: { sha256: o.sha256 } }))
      .sort(byKey((s) => s.name)),
    predicateType: PREDICATE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          command: RECEIPT_COMMAND,
          manifest: { path: input.manifest.path, content: sortKeys(input.manifest.raw) },
        },
        internalParameters: {
          outputDir: input.manifest.generation.outputDir,
          templates: input.manifest.generation.templates,
          ...(input.manifest.packs?.length
            ? { packs: input.manifest.packs.map((p) => ({ name: p.name, version: p.version, path: p.dir })) }
            : {}),
        },
        resolvedDependencies: [
          ...input.inputs
            .map((f): ResourceDescriptor => {
              const pack = packOf(input.manifest.packs ?? [], f.path);
              const annotations: Record<string, string> = { role: f.role };
              if (pack) annotations.pack = pack.name;
              if (pack && f.role === 'pack') annotations.version = pack.version;
              return { uri: `file:${f.path}`, digest: { sha256: f.sha256 }, annotations };
            })
            .sort(byKey((d) => d.uri!)),
          ...[...input.packages]
            .sort(byKey((p) => (p.name === 'ggen-ts' ? '' : p.name)))
            .map((p): ResourceDescriptor => ({ uri: purl(p.name, p.version) })),
        ],
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { 'ggen-ts': ggen?.version ?? 'unknown' } },
        byproducts: [
          {
            name: 'graph',
            digest: { sha256: input.graph.digest },
            annotations: {
              triples: input.graph.tripleCount,
              inferred: input.graph.inferredTriples,
              rounds: input.graph.rounds,
            },
          },
          ...input.outputs
            .filter((o) => o.mode === 'create_once')
            .sort(byKey((o) => o.path))
            .map((o): ResourceDescriptor => ({
              name: o.path,
              uri: `file:${o.path}`,
              annotations: { mode: 'create_once' },
            })),
        ],
      },
    },
  };
}

export function serializeStatement(s: Statement): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** The manifest's output_dir as recorded (it may be written `./gen` or `.`): it must stay inside the project. */
function insideProject(p: unknown): boolean {
  if (typeof p !== 'string' || p === '' || /[\0\\]/.test(p) || /^[A-Za-z]:/.test(p) || p.startsWith('/')) return false;
  const n = path.posix.normalize(p);
  return n !== '..' && !n.startsWith('../');
}

/** What a previous receipt says, in the shape sync and verify need. */
export interface ReceiptView {
  statement: Statement;
  /** Subject name → sha256. */
  subjects: Map<string, string>;
  createOnce: string[];
  /** Input file path → {sha256, role}. */
  inputs: Map<string, { sha256: string; role: string }>;
  /** Package name → version. */
  packages: Map<string, string>;
  graphDigest?: string;
}

const isHex = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

/**
 * A path as ggen records it: relative to the project root, POSIX separators, canonical (no empty,
 * `.` or `..` segment), no drive, no backslash, no NUL. A receipt is untrusted input: sync deletes
 * the orphans it names and verify and the fast path read every file it names, so anything else
 * could point them outside the project.
 */
export function isRecordedPath(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || /[\0\\]/.test(p) || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Parses and checks a receipt; throws Error with a reason when it is not one of ours. */
export function parseStatement(text: string): ReceiptView {
  const s = JSON.parse(text) as Statement;
  if (s?._type !== STATEMENT_TYPE) throw new Error(`_type is not ${STATEMENT_TYPE}`);
  if (s.predicateType !== PREDICATE_TYPE) throw new Error(`predicateType is not ${PREDICATE_TYPE}`);
  if (!Array.isArray(s.subject)) throw new Error('subject is not a list');
  const subjects = new Map<string, string>();
  for (const sub of s.subject) {
    if (typeof sub?.name !== 'string' || !isHex(sub.digest?.sha256))
      throw new Error('a subject lacks a name or sha256');
    if (!isRecordedPath(sub.name))
      throw new Error(`subject ${JSON.stringify(sub.name)} is not a relative path inside the project`);
    subjects.set(sub.name, sub.digest.sha256);
  }
  const outputDir: unknown = s.predicate?.buildDefinition?.internalParameters?.outputDir;
  if (outputDir !== undefined && !insideProject(outputDir))
    throw new Error(`outputDir ${JSON.stringify(outputDir)} is not a relative path inside the project`);
  const deps = s.predicate?.buildDefinition?.resolvedDependencies;
  const byproducts = s.predicate?.runDetails?.byproducts;
  if (!Array.isArray(deps) || !Array.isArray(byproducts))
    throw new Error('predicate lacks resolvedDependencies or byproducts');
  const inputs = new Map<string, { sha256: string; role: string }>();
  const packages = new Map<string, string>();
  for (const d of deps) {
    if (typeof d?.uri !== 'string') continue;
    if (d.uri.startsWith('file:') && isHex(d.digest?.sha256)) {
      const p = d.uri.slice(5);
      // A pack's files may sit above the project (ggen-ts hoisted to a workspace root's node_modules).
      const packFile = typeof d.annotations?.pack === 'string' && isRecordedPath(p.replace(/^(\.\.\/)+/, ''));
      if (!isRecordedPath(p) && !packFile)
        throw new Error(`input ${JSON.stringify(d.uri)} is not a relative path inside the project`);
      inputs.set(p, { sha256: d.digest.sha256, role: String(d.annotations?.role ?? '') });
    }
    const m = /^pkg:npm\/(.+)@([^@]+)$/.exec(d.uri);
    if (m) packages.set(m[1]!.replace(/^%40/, '@'), m[2]!);
  }
  const createOnce = byproducts
    .filter((b) => b?.annotations?.mode === 'create_once' && typeof b.name === 'string')
    .map((b) => b.name!);
  for (const p of createOnce)
    if (!isRecordedPath(p))
      throw new Error(`create_once byproduct ${JSON.stringify(p)} is not a relative path inside the project`);
  const graphDigest = byproducts.find((b) => b?.name === 'graph')?.digest?.sha256;
  return { statement: s, subjects, createOnce, inputs, packages, graphDigest };
}
