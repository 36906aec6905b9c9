/**
 * The generated reference pages under docs/reference/: each is produced from the thing it
 * describes, so a change there without a regenerated page fails reference.test.ts.
 *  - cli.md         from the commander definitions (`ggen <command> --help` of the built CLI)
 *  - manifest.md    from schema/ggen.schema.json and schema/pack.schema.json
 *  - runtime-api.md from the public exports of packages/runtime/src/index.ts (TypeScript's
 *                   checker), each with its OTP counterpart from OTP_COUNTERPARTS below
 *  - templates.md   from the frontmatter keys the template loader accepts and FILTERS with
 *                   the JSDoc of each filter
 * `UPDATE_DOCS=1 npx vitest run test/docs/reference.test.ts` rewrites them.
 * (The OTP vocabulary reference is a template of the otp pack; `ggen sync --check` keeps it current.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { FILTERS } from '../../src/pipeline/emit/filters.js';
import { cliPath, repoRoot } from '../cli/helpers.js';

const HEADER = (source: string): string =>
  `<!-- Generated from ${source} by test/docs/reference.ts; do not edit. UPDATE_DOCS=1 npx vitest run test/docs/reference.test.ts rewrites it. -->\n`;

/** Table-cell text: one line, pipes escaped. */
const cell = (s: string): string => s.replace(/\s*\n\s*/g, ' ').replace(/(?<!\\)\|/g, '\\|');

// ---------------------------------------------------------------------------------------------
// CLI

export const COMMANDS = ['init', 'sync', 'verify', 'validate', 'explain', 'query'] as const;

function help(args: string[]): string {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    // A fixed width, so the page does not depend on the terminal that generated it.
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ggen ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trimEnd();
}

export function cliReference(): string {
  const out = [
    HEADER('the commander definitions in src/cli/program.ts'),
    '# CLI reference',
    '',
    'Every command and flag of `ggen`, as `ggen <command> --help` prints it. Every command but `init`',
    'uses the nearest `ggen.toml` upward from the working directory; `--manifest` names one.',
    '',
    COMMANDS.map((c) => `- [\`ggen ${c}\`](#ggen-${c})`).join('\n'),
    '',
    '## ggen',
    '',
    '```text',
    help(['--help']),
    '```',
  ];
  for (const c of COMMANDS) out.push('', `## ggen ${c}`, '', '```text', help([c, '--help']), '```');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Manifest

interface Schema {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
}

function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' or ');
  if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf ?? []).map(typeOf).join(' or ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object')
    return `table of ${typeOf(s.additionalProperties)}`;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return s.type ?? 'any';
}

function rowsOf(s: Schema, prefix: string, rows: string[]): void {
  for (const [key, sub] of Object.entries(s.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    const arrayOfTables = sub.type === 'array' && sub.items?.properties;
    const shown = arrayOfTables ? `[[${name}]]` : sub.type === 'object' && sub.properties ? `[${name}]` : name;
    const limits = [
      s.required?.includes(key) ? 'required' : '',
      sub.minimum !== undefined ? `≥ ${sub.minimum}` : '',
      sub.maximum !== undefined ? `≤ ${sub.maximum}` : '',
      sub.default !== undefined ? `default ${JSON.stringify(sub.default)}` : '',
    ].filter(Boolean);
    rows.push(
      `| \`${shown}\` | ${cell(typeOf(arrayOfTables ? { type: 'array', items: { type: 'table' } } : sub))} | ${limits.join(', ')} | ${cell(sub.description ?? '')} |`,
    );
    if (sub.properties) rowsOf(sub, name, rows);
    if (arrayOfTables && sub.items) rowsOf(sub.items, name, rows);
  }
}

function schemaTable(file: string): string[] {
  const s = JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as Schema;
  const rows: string[] = ['| key | type | | meaning |', '|---|---|---|---|'];
  rowsOf(s, '', rows);
  return [cell(s.description ?? ''), '', ...rows];
}

export function manifestReference(): string {
  return `${[
    HEADER('schema/ggen.schema.json and schema/pack.schema.json'),
    '# Manifest reference',
    '',
    "Every key of `ggen.toml` and of a pack's `pack.toml`, from their JSON Schemas. Unknown keys are",
    'errors, and every error names its key path. Point your editor at the schema for completion:',
    'a `#:schema ./node_modules/ggen-ts/schema/ggen.schema.json` first line does it (`ggen init` writes it).',
    '',
    '## ggen.toml',
    '',
    ...schemaTable('schema/ggen.schema.json'),
    '',
    '## pack.toml',
    '',
    ...schemaTable('schema/pack.schema.json'),
  ].join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Runtime API

/**
 * The OTP counterpart of each public runtime export that has one. An export missing here is
 * listed as a ggen-ts mechanism; a name here that is no longer exported fails the test.
 */
export const OTP_COUNTERPARTS: Record<string, string> = {
  Pid: 'pid()',
  spawn: 'erlang:spawn/1',
  spawnLink: 'erlang:spawn_link/1',
  exit: 'erlang:exit/2',
  link: 'erlang:link/1',
  unlink: 'erlang:unlink/1',
  monitor: 'erlang:monitor/2',
  demonitor: 'erlang:demonitor/1',
  processFlag: 'erlang:process_flag/2 (trap_exit)',
  send: 'erlang:send/2 (`!`)',
  isProcessAlive: 'erlang:is_process_alive/1',
  messageQueueLen: 'erlang:process_info(Pid, message_queue_len)',
  register: 'erlang:register/2',
  unregister: 'erlang:unregister/1',
  whereis: 'erlang:whereis/1',
  registered: 'erlang:registered/0',
  self: 'erlang:self/0',
  call: 'gen_server:call/3, gen_statem:call/3',
  cast: 'gen_server:cast/2, gen_statem:cast/2',
  reply: 'gen_server:reply/2, gen_statem:reply/2',
  stop: 'gen_server:stop/3, gen_statem:stop/3',
  GenServer: 'gen_server (behaviour)',
  StateMachine: 'gen_statem (behaviour)',
  Supervisor: 'supervisor (behaviour)',
  Sys: 'sys (get_state, get_status, suspend, resume)',
  sendRequest: 'gen_server:send_request/2',
  receiveResponse: 'gen_server:receive_response/2',
  waitResponse: 'gen_server:wait_response/2',
  checkResponse: 'gen_server:check_response/2',
  RequestId: 'gen_server:request_id()',
  ExitError: "an exit signal caught by `catch`: {'EXIT', Reason}",
  ChildSpec: 'supervisor:child_spec()',
  startApplication: 'application:start/2 (the root supervisor of an application)',
  TreeChild: 'supervisor:child_spec() (its defaults left out)',
  StartResult: '{ok, Pid} | ignore | {error, Reason}',
  From: 'gen_server:from()',
  Action: 'gen_statem:action()',
  EventType: 'gen_statem:event_type()',
  CallbackMode: 'gen_statem:callback_mode()',
  isCallEvent: 'gen_statem {call, From} event type',
  Logger: 'logger',
  TimerHeap: 'the timer wheel behind erlang:send_after/3 and gen_statem timeouts',
};

interface ExportInfo {
  name: string;
  kind: string;
  module: string;
  doc: string;
}

function runtimeExports(): ExportInfo[] {
  const entry = path.join(repoRoot, 'packages/runtime/src/index.ts');
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error('the runtime entry has no exports');
  const out: ExportInfo[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (!decl) continue;
    const f = symbol.flags;
    const kind =
      f & ts.SymbolFlags.Class
        ? 'class'
        : f & ts.SymbolFlags.Function
          ? 'function'
          : f & ts.SymbolFlags.Interface
            ? 'interface'
            : f & ts.SymbolFlags.TypeAlias
              ? 'type'
              : f & ts.SymbolFlags.Enum
                ? 'enum'
                : f & ts.SymbolFlags.Variable
                  ? 'const'
                  : 'other';
    const module = path.relative(path.join(repoRoot, 'packages/runtime/src'), decl.getSourceFile().fileName);
    const docText = ts.displayPartsToString(symbol.getDocumentationComment(checker));
    // The first sentence: up to the first period followed by whitespace, within the first paragraph.
    const para = docText.split(/\n\s*\n/)[0] ?? '';
    const first = /^([\s\S]*?\.)(\s|$)/.exec(para)?.[1] ?? para;
    out.push({ name: exported.name, kind, module: module.split(path.sep).join('/'), doc: first.trim() });
  }
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => byCodeUnit(a.module, b.module) || byCodeUnit(a.name, b.name));
}

export function runtimeReference(): { page: string; unknownCounterparts: string[] } {
  const exports = runtimeExports();
  const names = new Set(exports.map((e) => e.name));
  const out = [
    HEADER('the exports of packages/runtime/src/index.ts'),
    '# Runtime API reference (`@ggen-ts/runtime`)',
    '',
    'Every public export of `@ggen-ts/runtime`, by the module that defines it, with its OTP',
    "counterpart where it has one (names are OTP's in camelCase) and the first sentence of its",
    "documentation. Terms follow OTP: an atom is a string (`'normal'`, `'shutdown'`), a tagged tuple",
    "an object with a camelCase tag (`{shutdown: term}`), a crash's reason the thrown value. See",
    '[the OTP model on an event loop](../explanation/otp-on-an-event-loop.md) for what carries over.',
    '',
    `${exports.length} exports in ${new Set(exports.map((e) => e.module)).size} modules.`,
  ];
  let module = '';
  for (const e of exports) {
    if (e.module !== module) {
      module = e.module;
      out.push('', `## ${module}`, '', '| export | kind | OTP counterpart | what it is |', '|---|---|---|---|');
    }
    out.push(`| \`${e.name}\` | ${e.kind} | ${cell(OTP_COUNTERPARTS[e.name] ?? '—')} | ${cell(e.doc)} |`);
  }
  return {
    page: `${out.join('\n')}\n`,
    unknownCounterparts: Object.keys(OTP_COUNTERPARTS).filter((n) => !names.has(n)),
  };
}

// ---------------------------------------------------------------------------------------------
// Frontmatter and filters

/** What each frontmatter key means; the test fails when the loader accepts a key this does not describe. */
export const FRONTMATTER: Record<string, string> = {
  to: 'Output path, relative to `output_dir`, itself a template (`"{{ row.app_name }}/README.md"`). Required.',
  query:
    'One SELECT: a `.rq` file (relative to the project, or to the pack for a pack template) or inline SPARQL. Its rows are `rows` in the context.',
  queries:
    'A map of names to SELECTs (files or inline); the rows are `data.<name>`. Use `query` or `queries`, not both.',
  for_each: '`true` (with `query`) or the name of one of `queries`: one output per row, the row as `row`.',
  when: 'An ASK query; when it answers false the template renders nothing (`ggen explain` says so).',
  skip_empty: 'When `true`, a template whose query returns no rows renders nothing.',
  mode: '`overwrite` (default) or `create_once`: written once, never overwritten or deleted by sync (user-owned scaffolds).',
  root: '`output` (default): `to` is relative to `output_dir`; `handwritten` (with `create_once` only): relative to `[generation] handwritten_dir`, the user-owned folder for hand-written code.',
  schema: 'A JSON Schema file the rows must satisfy (a map of query name to file with `queries`).',
  description: 'What the template produces; shown by `ggen explain`.',
};

function templateKeys(): string[] {
  const text = readFileSync(path.join(repoRoot, 'src/pipeline/emit/templates.ts'), 'utf8');
  const m = /const KEYS = new Set\(\[([^\]]*)\]\)/.exec(text);
  if (!m?.[1]) throw new Error('src/pipeline/emit/templates.ts: the KEYS set of frontmatter keys was not found');
  return [...m[1].matchAll(/'([^']+)'/g)].map((k) => k[1]!);
}

/** For the filters whose function carries no JSDoc: what they do. */
export const FILTER_NOTES: Record<string, string> = {
  pascalCase: 'Words (split at non-alphanumerics and lower→upper or acronym boundaries) joined in PascalCase.',
  camelCase: 'The same words in camelCase.',
  kebabCase: 'The same words, lower case, joined with `-`.',
  snakeCase: 'The same words, lower case, joined with `_`.',
  constantCase: 'The same words, upper case, joined with `_`.',
  localName: 'The part of an IRI after its last `#`, `/` or `:`.',
  where:
    'The rows whose `key` equals `value` (with no `value`: whose `key` is truthy). Rows it passes over do not count as read for the banner digest.',
};

/** Each filter applied to a sample: the page shows what it really returns. */
const FILTER_SAMPLES: Record<string, [string, unknown[]]> = {
  pascalCase: ['"call_router"', ['call_router']],
  camelCase: ['"call_router"', ['call_router']],
  kebabCase: ['"CallRouter"', ['CallRouter']],
  snakeCase: ['"HTTPServer"', ['HTTPServer']],
  constantCase: ['"maxRetries"', ['maxRetries']],
  tsString: ['"it\'s </script>"', ["it's </script>"]],
  json: ['{"a": [1, "*/"]}', [{ a: [1, '*/'] }]],
  comment: ['"ends */ here\\nnext line"', ['ends */ here\nnext line']],
  markdown: ['"a | b <d>"', ['a | b <d>']],
  regex: ['"^[a-z]+$"', ['^[a-z]+$']],
  localName: ['"https://ggen.dev/otp#Server"', ['https://ggen.dev/otp#Server']],
  tsIdent: ['"default"', ['default']],
};

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function filterDocs(): Array<{ name: string; doc: string; signature: string }> {
  const file = path.join(repoRoot, 'src/pipeline/emit/filters.ts');
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const table = source.statements
    .filter(ts.isVariableStatement)
    .flatMap((s) => s.declarationList.declarations)
    .find((d) => d.name.getText(source) === 'FILTERS');
  if (!table?.initializer || !ts.isObjectLiteralExpression(table.initializer))
    throw new Error('src/pipeline/emit/filters.ts: FILTERS is not an object literal');
  return table.initializer.properties.map((p) => {
    const name = p.name?.getText(source) ?? '?';
    const target = ts.isShorthandPropertyAssignment(p)
      ? checker.getShorthandAssignmentValueSymbol(p)
      : checker.getSymbolAtLocation(ts.isPropertyAssignment(p) ? p.initializer : p);
    const decl = target?.valueDeclaration;
    const doc = target ? ts.displayPartsToString(target.getDocumentationComment(checker)) : '';
    const params =
      decl && ts.isFunctionDeclaration(decl)
        ? decl.parameters.slice(1).map((q) => q.name.getText(decl.getSourceFile()) + (q.questionToken ? '?' : ''))
        : [];
    return { name, doc: doc.replace(/\s+/g, ' ').trim(), signature: params.length ? `(${params.join(', ')})` : '' };
  });
}

export function templatesReference(): { page: string; undescribed: string[]; stale: string[] } {
  const keys = templateKeys();
  const filters = filterDocs();
  const out = [
    HEADER('src/pipeline/emit/templates.ts (frontmatter keys) and src/pipeline/emit/filters.ts (FILTERS)'),
    '# Template reference: frontmatter and filters',
    '',
    'Every `*.njk` under a templates directory is a template; directories starting with `_` hold',
    'partials (for `{% include %}` and `{% import %}`). A template starts with YAML frontmatter between',
    '`---` lines. Its context: `rows` (with `query`) or `data.<name>` (with `queries`), `row` under',
    "`for_each`, `vars` (the manifest's `[generation.vars]`), `project` and `graph` (`digest`,",
    '`specFiles`). Rows are plain JSON: xsd numbers are numbers, xsd:boolean a boolean, an IRI its',
    'full text plus `<var>_local`, an unbound variable `null`. An undefined variable is an error naming',
    '`template:line`. Every SELECT needs an ORDER BY.',
    '',
    '## Frontmatter keys',
    '',
    '| key | meaning |',
    '|---|---|',
    ...keys.map((k) => `| \`${k}\` | ${cell(FRONTMATTER[k] ?? '')} |`),
    '',
    '## Filters',
    '',
    "Besides Nunjucks's built-in filters. Spec text reaching code goes through the filter for its",
    'context: `tsString` in a string, `tsIdent` for an identifier, `comment` in a comment, `markdown` in',
    'Markdown.',
    '',
    '| filter | arguments | what it does | example |',
    '|---|---|---|---|',
    ...filters.map((f) => {
      const sample = FILTER_SAMPLES[f.name];
      const example = sample ? `\`${sample[0]} | ${f.name}\` → \`${shown(FILTERS[f.name]!(...sample[1]))}\`` : '';
      return `| \`${f.name}\` | ${f.signature ? `\`${f.signature}\`` : ''} | ${cell(f.doc || FILTER_NOTES[f.name] || '')} | ${cell(example)} |`;
    }),
  ];
  return {
    page: `${out.join('\n')}\n`,
    undescribed: [
      ...keys.filter((k) => !FRONTMATTER[k]),
      ...filters.filter((f) => !f.doc && !FILTER_NOTES[f.name]).map((f) => `filter ${f.name}`),
    ],
    stale: Object.keys(FRONTMATTER).filter((k) => !keys.includes(k)),
  };
}

export const REFERENCE_PAGES = {
  'docs/reference/cli.md': () => cliReference(),
  'docs/reference/manifest.md': () => manifestReference(),
  'docs/reference/runtime-api.md': () => runtimeReference().page,
  'docs/reference/templates.md': () => templatesReference().page,
} as const;
