/**
 * The data that flows between the five stages. Each stage is a function from
 * one of these to the next, so it can be tested on its own.
 */
import type { Store } from 'n3';
import type { Diagnostic } from './errors.js';

/** ggen.toml, parsed, validated against schema/ggen.schema.json, with defaults applied. */
export interface Manifest {
  /** Absolute directory that holds the manifest; every relative path below is relative to it. */
  root: string;
  /** Manifest path relative to root (usually `ggen.toml`). */
  path: string;
  /** The TOML document as parsed (recorded in the receipt's externalParameters). */
  raw: Record<string, unknown>;
  project: { name: string; version?: string; description?: string };
  /** The packs named in `packs`, in order; their ontology, shapes, rules and gates are already merged below. */
  packs: PackInfo[];
  ontology: {
    /** Files or globs, relative to root. */
    sources: string[];
    prefixes: Record<string, string>;
    baseIri?: string;
    /** The SPARQL engine every query of the run goes through (`[ontology] engine`, `--engine`). */
    engine?: import('./engine/types.js').EngineName;
  };
  inference: {
    /** Bound on fixpoint rounds; exceeding it is an error. */
    maxRounds: number;
    /** Materialise list positions (ggen:listIndex, ggen:inList, ggen:member) before the rules run. */
    listIndex: boolean;
    rules: InferenceRule[];
  };
  validation: {
    /** SHACL shapes files, relative to root. */
    shacl: string[];
    ask: AskGate[];
  };
  generation: {
    /** Templates directory, relative to root. */
    templates: string;
    /** Output directory, relative to root. */
    outputDir: string;
    /**
     * The user's folder for hand-written code (the generation gap), relative to root, outside
     * outputDir: templates with `root: handwritten` write their create_once stubs there.
     */
    handwrittenDir: string;
    /** Extra variables given to every template as `vars`. */
    vars: Record<string, unknown>;
    /** Pack templates left out, by path inside the pack's templates directory. */
    exclude?: string[];
  };
  receipt: {
    /** Receipt path relative to root, default `receipts/latest.json`. */
    path: string;
    /** Environment variable that may hold an ed25519 private key (PEM) for signing. */
    signingKeyEnv: string;
  };
}

/** A pack the project generates with (see manifest/packs.ts). Paths are relative to the project root, POSIX. */
export interface PackInfo {
  name: string;
  version: string;
  description?: string;
  /** The semver range of ggen versions the pack supports. */
  ggen: string;
  /** The pack's directory (`../` when it lives outside the project). */
  dir: string;
  /** Its pack.toml. */
  manifestFile: string;
  /** Its templates directory. */
  templates: string;
  /** Its ontology files, expanded. */
  sources: string[];
  /** Its view model module (pack.toml `view`), root-relative. */
  view?: string;
  /** The files of its view model (every module in the view's directory), root-relative, sorted: code of the pack, hashed into the receipt. */
  viewFiles?: string[];
  /** npm packages its generated code needs when a spec uses certain classes (pack.toml `npm_packages`; see app-packages.ts). */
  npmPackages?: PackNpmPackage[];
}

export interface PackNpmPackage {
  name: string;
  /** Exact version, when the pack pins one (else ggen-ts's own devDependency). */
  version?: string;
  types?: string;
  typesVersion?: string;
  /** Full IRIs. */
  classes: string[];
}

export interface QueryText {
  /** SPARQL text. */
  text: string;
  /** Where the text lives: a file relative to root, or the manifest/template for inline text. */
  file: string;
  /** 1-based line in `file` where the text starts (for inline queries), so errors point at the right place. */
  line: number;
  /** 1-based column in `file` where the text starts (inline text may start mid-line); default 1. */
  column?: number;
}

export interface InferenceRule {
  name: string;
  construct: QueryText;
}

export interface AskGate {
  name: string;
  ask: QueryText;
  /** What the gate must answer; default true. */
  expect: boolean;
  message: string;
}

/** An input file recorded in the receipt. */
export interface InputFile {
  /** Path relative to root, POSIX separators. */
  path: string;
  sha256: string;
}

/** Output of stage 1. */
export interface NormalizedGraph {
  store: Store;
  /** sha256 hex over the RDFC-1.0 canonical N-Quads of the graph after inference. */
  digest: string;
  /** Spec files (relative), sorted: named in each output's banner. */
  specFiles: string[];
  /** Every file read by normalize (specs, shapes, rule files), sorted by path. */
  inputs: InputFile[];
  tripleCount: number;
  inferredTriples: number;
  rounds: number;
  /** SHACL results of severity sh:Warning / sh:Info: worth printing, not fatal. */
  warnings?: Diagnostic[];
  /** What each spec file mentions: names the spec files in each output's banner. */
  mentions?: SpecMentions;
}

/** Indexes into NormalizedGraph.specFiles. */
export interface SpecMentions {
  /** IRI (or `_:` canonical blank node label) → the files with a triple about it as the subject. */
  subjects: Record<string, number[]>;
  /** String literal → the one file that uses it (literals used by several files are left out). */
  literals: Record<string, number>;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * One SELECT row as plain JSON. Conversions:
 * - IRI: `row.x` is the full IRI and `row.x_local` its local name (after the last `#` or `/`);
 * - xsd numerics: number; xsd:boolean: boolean; other literals (language-tagged included): their string value;
 * - a projected variable left unbound: null.
 */
export type Row = Record<string, JsonValue>;

/** Output of stage 3 (before formatting) and stage 4 (after). */
export interface RenderedFile {
  /**
   * Path relative to the output directory, POSIX separators. A file of the hand-written folder
   * (`root: 'handwritten'`) lies outside it, so its path starts with `../`.
   */
  path: string;
  content: string;
  /** Template (relative to root) that produced it. */
  template: string;
  mode: 'overwrite' | 'create_once';
  /** Set when the file goes to the hand-written folder (create_once only), not the output directory. */
  root?: 'handwritten';
  /** What produced this file alone (its banner names these instead of the whole graph). */
  inputs?: OutputInputs;
}

export interface OutputInputs {
  /** sha256 hex over the template closure (body, frontmatter, partials, queries) and everything the render read. */
  digest: string;
  /** Spec files that mention the rows the render read (sorted). */
  specFiles: string[];
}
