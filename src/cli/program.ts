/**
 * The `ggen` command line (commander). main.ts loads it for every invocation but the plain
 * `ggen sync [--check|--dry-run|--force|--full|--json]` one (see direct-sync.ts). Each command's
 * implementation (and the heavy pipeline behind it) is imported in its action, so `ggen --help`
 * and `ggen --version` stay fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';

function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'ggen-ts' && pkg.version) return pkg.version;
    } catch {
      /* try the next layout (src/ vs dist/src/) */
    }
  }
  return '0.0.0';
}

/** Commands default `--manifest` to the nearest ggen.toml upward from the working directory. */
const manifestOf = async (opts: { manifest?: string }): Promise<string> =>
  (await import('./find-manifest.js')).findManifest(opts.manifest);

export const program = new Command();
program
  .name('ggen')
  .description('Ontology-driven code generation: Turtle specs → SPARQL → Nunjucks templates → Prettier → hash receipt.')
  .version(version(), '-V, --version')
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nExit codes: 0 success; 1 check/verify found differences (or sync stopped on a hand-edited file);\n2 invalid input (manifest, Turtle, shapes, SPARQL, template, command line); 3 internal error.',
  );

/** `--engine`, as sync, validate and the other graph commands take it. */
function engineOption(): Option {
  return new Option(
    '--engine <name>',
    'SPARQL engine: oxigraph (default) or comunica; overrides the manifest [ontology] engine',
  ).choices(['oxigraph', 'comunica']);
}

program
  .command('sync')
  .description('Generate every output from the specs and write the receipt')
  .option('--check', 'write nothing; exit 1 if any output would be created, changed or deleted (with a short diff)')
  .option('--dry-run', 'write nothing; list what would be written, skipped or deleted, and why')
  .option('--force', 'overwrite outputs that were edited by hand or that no receipt lists')
  .option('--json', 'print one stable JSON document (durations under "timings")')
  .option('--manifest <path>', 'path to ggen.toml (default: the nearest one upward from the working directory)')
  .option(
    '--signing-key <key>',
    'ed25519 private key (PEM file) to sign the receipt; default: the manifest receipt.signing_key_env variable',
  )
  .option('--full', 'run every stage even when the receipt says nothing changed')
  .option('--watch', 'keep running: sync again after every change to an input (Ctrl-C to stop)')
  .addOption(engineOption())
  .action(async (opts) =>
    (await import('./commands/sync.js')).syncCommand({ ...opts, manifest: await manifestOf(opts) }),
  );

program
  .command('verify')
  .description('Check outputs and inputs against the receipt (and its signature, given a public key)')
  .option('--receipt <path>', 'receipt to verify (default: the manifest receipt.path, else receipts/latest.json)')
  .option('--key <public key>', 'ed25519 public key (PEM file) to verify receipts/latest.dsse.json')
  .option('--manifest <path>', 'path to ggen.toml (its directory is the project root; default: the nearest one upward)')
  .option('--json', 'print one stable JSON document')
  .action(async (opts) =>
    (await import('./commands/verify.js')).verifyCommand({ ...opts, manifest: await manifestOf(opts) }),
  );

program
  .command('validate')
  .description('Parse, infer and validate the specs (stage 1 only) and report')
  .option('--manifest <path>', 'path to ggen.toml (default: the nearest one upward from the working directory)')
  .option('--json', 'print one stable JSON document')
  .addOption(engineOption())
  .action(async (opts) =>
    (await import('./commands/validate.js')).validateCommand({ ...opts, manifest: await manifestOf(opts) }),
  );

program
  .command('explain')
  .description(
    'Say, per template, whether it rendered, why not (when false, skip_empty, no rows, excluded) and which query rows fed each output',
  )
  .argument('[output-or-template]', 'an output path or a template file; default: every template')
  .option('--manifest <path>', 'path to ggen.toml (default: the nearest one upward from the working directory)')
  .option('--json', 'print one stable JSON document')
  .action(async (target: string | undefined, opts) =>
    (await import('./commands/explain.js')).explainCommand(target, { ...opts, manifest: await manifestOf(opts) }),
  );

program
  .command('query')
  .description('Run a SELECT (a .rq file or SPARQL text) against the normalized graph and print a table')
  .argument('<query>', 'a .rq/.sparql file, or SPARQL text')
  .option('--manifest <path>', 'path to ggen.toml (default: the nearest one upward from the working directory)')
  .option('--json', 'print {variables, rows} as JSON')
  .addOption(engineOption())
  .action(async (query: string, opts) =>
    (await import('./commands/query.js')).queryCommand(query, { ...opts, manifest: await manifestOf(opts) }),
  );

program
  .command('init')
  .description('Start a project: ggen.toml, a starter spec, package.json, tsconfig.json and .gitignore')
  .argument('[dir]', 'directory to create the project in', '.')
  .option('--example <name>', 'starter spec: minimal, telecom, chat or autonomics', 'minimal')
  .option('--force', 'overwrite files that already exist')
  .action(async (dir: string, opts) => (await import('./commands/init.js')).initCommand(dir, opts));

export async function runProgram(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // Usage errors (unknown command or option, missing argument) are invalid input: exit 2.
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  }
}
