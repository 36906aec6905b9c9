/**
 * The npm packages a project's generated code needs besides @ggen-ts/runtime. A pack declares
 * them per class (pack.toml `npm_packages`: the otp pack says a SQLite-backed pattern needs
 * better-sqlite3, a WebSocket gateway or protocol needs ws); the spec's instances of those classes
 * select them. `ggen init` writes them into a new app's package.json; `ggen sync` warns when the
 * project's package.json lacks one, and never edits it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Store } from 'n3';
import type { Diagnostic } from './errors.js';
import { ownPackage } from './receipt/versions.js';
import type { PackInfo } from './types.js';

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

export interface AppPackage {
  name: string;
  /** Exact version to pin: the pack's, else the one ggen-ts is tested with; undefined if neither names one. */
  version: string | undefined;
  /** A type declarations package, which belongs in devDependencies. */
  dev: boolean;
  /** The pack that declares it. */
  pack: string;
  /** Why the spec needs it: per class, one instance, e.g. `otp:Ledger <https://example.org/t#ledger>`. */
  because: string[];
}

/** The versions of ggen-ts's own (dev)dependencies: what this ggen was tested with. */
function testedVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(ownPackage().dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return { ...pkg.dependencies, ...pkg.devDependencies };
}

/** `prefix:local` when a prefix covers the IRI, else `<iri>`. */
export function compactIri(iri: string, prefixes: Record<string, string>): string {
  let best: [string, string] | undefined;
  for (const [p, ns] of Object.entries(prefixes))
    if (ns !== '' && iri.startsWith(ns) && (best === undefined || ns.length > best[1].length)) best = [p, ns];
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : `<${iri}>`;
}

/**
 * What the graph's instances need, sorted by package name (runtime packages, then their types).
 * `store` is a normalized graph (sync) or a parsed spec (init): only asserted rdf:type triples count.
 */
export function appPackages(
  packs: readonly PackInfo[],
  store: Pick<Store, 'getSubjects'>,
  prefixes: Record<string, string>,
): AppPackage[] {
  const tested = testedVersions();
  const out = new Map<string, AppPackage>();
  for (const pack of packs) {
    for (const need of pack.npmPackages ?? []) {
      const because: string[] = [];
      for (const cls of need.classes) {
        const subjects = store
          .getSubjects(RDF_TYPE, cls, null)
          .map((s) => (s.termType === 'NamedNode' ? `<${s.value}>` : `_:${s.value}`))
          .sort();
        if (subjects.length > 0) because.push(`${compactIri(cls, prefixes)} ${subjects[0]!}`);
      }
      if (because.length === 0) continue;
      const add = (name: string, version: string | undefined, dev: boolean): void => {
        const seen = out.get(name);
        if (seen) seen.because.push(...because.filter((b) => !seen.because.includes(b)));
        else out.set(name, { name, version: version ?? tested[name], dev, pack: pack.name, because: [...because] });
      };
      add(need.name, need.version, false);
      if (need.types !== undefined) add(need.types, need.typesVersion, true);
    }
  }
  return [...out.values()].sort(
    (a, b) => Number(a.dev) - Number(b.dev) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** The nearest package.json from `root` upward (npm's own rule), or undefined. */
function nearestPackageJson(root: string): string | undefined {
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * One warning per needed package that the project's package.json (the nearest from the project
 * root upward) declares in none of its dependency sections. No package.json: nothing to check.
 */
export function missingAppPackages(needed: readonly AppPackage[], root: string): Diagnostic[] {
  if (needed.length === 0) return [];
  const file = nearestPackageJson(root);
  if (file === undefined) return [];
  const rel = path.relative(root, file).split(path.sep).join('/');
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) throw new Error('not an object');
  } catch (e) {
    return [
      {
        severity: 'warning',
        rule: 'npm/unreadable-package-json',
        file: rel,
        message: `cannot check the npm packages the spec needs (${needed.map((n) => n.name).join(', ')}): ${(e as Error).message}`,
      },
    ];
  }
  const declared = (name: string): boolean =>
    SECTIONS.some((s) => {
      const deps = pkg[s];
      return deps !== null && typeof deps === 'object' && Object.hasOwn(deps, name);
    });
  return needed
    .filter((n) => !declared(n.name))
    .map((n) => ({
      severity: 'warning' as const,
      rule: 'npm/missing-package',
      file: rel,
      message: `lacks ${n.name}, which the generated code needs for ${n.because.join(', ')} (pack ${n.pack})`,
      hint: `npm install ${n.dev ? '--save-dev ' : ''}--save-exact ${n.name}${n.version ? `@${n.version}` : ''}`,
    }));
}
