/**
 * `ggen init`: the files a new project starts from. A project made here generates with the
 * `otp` pack that ships with ggen, runs on @ggen-ts/runtime plus only the npm packages its spec's
 * patterns need (the pack's `npm_packages`, e.g. better-sqlite3 for a durable store), and has
 * scripts to generate, check and test. Nothing is overwritten unless `force` is set.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appPackages } from '../pipeline/app-packages.js';
import { CheckFailed, InputError } from '../pipeline/errors.js';
import { builtinPacksDir, loadPacks } from '../pipeline/manifest/packs.js';
import { ownPackage } from '../pipeline/receipt/versions.js';

export const EXAMPLES = ['minimal', 'telecom', 'chat', 'autonomics'] as const;
export type Example = (typeof EXAMPLES)[number];

export interface InitFile {
  /** Relative to the project directory, POSIX. */
  path: string;
  content: string;
}

export interface InitOptions {
  example?: string;
  force?: boolean;
}

/**
 * Exact versions this ggen was built and tested with; the new project pins the same. The
 * runtime is released with ggen, in lockstep.
 */
function toolVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(path.join(ownPackage().dir, 'package.json'), 'utf8')) as {
    version: string;
    devDependencies?: Record<string, string>;
  };
  const dev = own.devDependencies ?? {};
  const pick = (name: string): string => {
    const v = dev[name];
    if (!v) throw new Error(`ggen-ts's package.json records no version for ${name}`);
    return v;
  };
  return {
    ggen: own.version,
    runtime: own.version,
    typescript: pick('typescript'),
    vitest: pick('vitest'),
    '@types/node': pick('@types/node'),
  };
}

function exampleSpec(example: Example): { file: string; text: string } {
  if (example === 'minimal')
    return {
      file: 'specs/hello.ttl',
      text: readFileSync(path.join(builtinPacksDir(), 'otp/examples/minimal.ttl'), 'utf8'),
    };
  // The domain examples are this repository's own specs, shipped in the package.
  return {
    file: `specs/${example}.ttl`,
    text: readFileSync(path.join(ownPackage().dir, 'specs', `${example}.ttl`), 'utf8'),
  };
}

/** An npm package name from a directory name. */
export function packageName(dir: string): string {
  const base = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return base || 'ggen-app';
}

/**
 * The npm packages the starter spec needs besides the runtime, as the otp pack declares them per
 * class (pack.toml `npm_packages`), pinned: `ggen sync` applies the same rule and warns when one
 * is missing later.
 */
async function specPackages(
  dir: string,
  spec: { file: string; text: string },
): Promise<Record<'dependencies' | 'devDependencies', Record<string, string>>> {
  const { packs, prefixes } = await loadPacks(['otp'], path.resolve(dir), 'ggen.toml');
  const { Parser, Store } = (await import('n3')).default;
  const store = new Store(new Parser({ baseIRI: `file:///${spec.file}` }).parse(spec.text));
  const out = { dependencies: {} as Record<string, string>, devDependencies: {} as Record<string, string> };
  for (const p of appPackages(packs, store, prefixes)) {
    if (p.version === undefined)
      throw new Error(`pack ${p.pack} needs ${p.name}, but neither it nor ggen-ts's package.json records a version`);
    out[p.dev ? 'devDependencies' : 'dependencies'][p.name] = p.version;
  }
  return out;
}

const sorted = (o: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export async function initFiles(dir: string, example: Example): Promise<InitFile[]> {
  const v = toolVersions();
  const name = packageName(dir);
  const spec = exampleSpec(example);
  const json = (o: unknown): string => `${JSON.stringify(o, null, 2)}\n`;
  const needs = await specPackages(dir, spec);
  const dependencies = sorted({ '@ggen-ts/runtime': v.runtime!, ...needs.dependencies });
  const devDependencies = sorted({
    '@types/node': v['@types/node']!,
    'ggen-ts': v.ggen!,
    typescript: v.typescript!,
    vitest: v.vitest!,
    ...needs.devDependencies,
  });
  return [
    {
      path: 'ggen.toml',
      content: [
        '#:schema ./node_modules/ggen-ts/schema/ggen.schema.json',
        `# How ${name} is generated: the specs under specs/, rendered by the otp pack (it ships`,
        '# with ggen) into generated/. `npm run generate` after every spec edit; never edit generated/.',
        '',
        'packs = ["otp"]',
        '',
        '[project]',
        `name = ${JSON.stringify(name)}`,
        '',
        '[ontology]',
        'sources = ["specs/*.ttl"]',
        '',
        '[generation]',
        'output_dir = "generated"',
        '# Hand-written code a spec cannot say (otp:HandWritten, otp:handWritten): ggen writes a stub',
        '# here once, under <app>/, and never overwrites or deletes it; generated code imports it.',
        'handwritten_dir = "src/domains"',
        '',
      ].join('\n'),
    },
    { path: spec.file, content: spec.text },
    {
      path: 'package.json',
      content: json({
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        engines: { node: '>=20.10' },
        scripts: {
          generate: 'ggen sync',
          check: 'ggen sync --check && tsc --noEmit',
          test: 'vitest run',
        },
        dependencies,
        devDependencies,
      }),
    },
    {
      path: 'tsconfig.json',
      content: json({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noImplicitOverride: true,
          noFallthroughCasesInSwitch: true,
          forceConsistentCasingInFileNames: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        include: ['generated/**/*.ts', 'src/**/*.ts'],
      }),
    },
    { path: '.gitignore', content: 'node_modules/\n.ggen/\n' },
  ];
}

export function parseExample(example: string | undefined): Example {
  const e = example ?? 'minimal';
  if (!(EXAMPLES as readonly string[]).includes(e)) {
    throw new InputError({ message: `--example: unknown example "${e}" (choose one of ${EXAMPLES.join(', ')})` });
  }
  return e as Example;
}

/** Writes the starter files into `dir` (created if missing). Refuses, listing them, when any exists, unless `force`. */
export async function initProject(dir: string, opts: InitOptions = {}): Promise<{ dir: string; files: string[] }> {
  const example = parseExample(opts.example);
  const files = await initFiles(dir, example);
  const abs = path.resolve(dir);
  const existing = files.filter((f) => existsSync(path.join(abs, f.path))).map((f) => f.path);
  if (existing.length > 0 && !opts.force) {
    throw new CheckFailed(
      [
        `ggen init stopped; nothing was written: ${existing.length === 1 ? 'this file exists' : 'these files exist'} (--force overwrites):`,
        ...existing.map((p) => `  ${path.join(dir, p)}`),
      ].join('\n'),
    );
  }
  for (const f of files) {
    const target = path.join(abs, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    // Without --force, `wx` refuses a file that appeared since the check.
    writeFileSync(target, f.content, { flag: opts.force ? 'w' : 'wx' });
  }
  return { dir: abs, files: files.map((f) => f.path) };
}
