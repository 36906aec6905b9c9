/**
 * `node dist/src/pipeline/engine/query-facts-seed.js`, run by `npm run build`: the query facts
 * (query-facts.ts) of the pack that ships with ggen, so that a project's first run on it does not
 * load the SPARQL parser (traqula: building its grammar and parsing the pack's queries is
 * ~0.4 s of the main thread on a cold sync of this repository). It syncs this repository's own
 * project (ggen.toml: every domain spec through the `otp` pack) in a temporary copy and writes the
 * facts that run kept, under their salt, to query-facts.seed.json beside query-facts.js. A seed
 * made by the same code (its salt) from the same inputs is left as it is.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareCodeUnits } from '../fs/glob.js';
import { factsSalt, QUERY_FACTS_FILE, QUERY_FACTS_SEED } from './query-facts.js';

/** What the seed run reads from this repository: its manifest, its specs and the packs. */
const INPUTS = ['ggen.toml', 'specs', 'packs'];

/** sha256 over the relative path and bytes of every file under `inputs`, in code-unit order. */
export function inputsDigest(repo: string, inputs: readonly string[] = INPUTS): string {
  const h = createHash('sha256');
  const add = (rel: string): void => {
    const abs = path.join(repo, rel);
    if (!existsSync(abs)) return;
    if (lstatSync(abs).isDirectory()) for (const name of readdirSync(abs).sort(compareCodeUnits)) add(`${rel}/${name}`);
    else if (lstatSync(abs).isFile()) h.update(rel).update('\0').update(readFileSync(abs)).update('\0');
  };
  for (const rel of inputs) add(rel);
  return h.digest('hex');
}

/**
 * Writes the seed of the project at `repo` (its files and folders `files`) to `out`, unless the
 * one there has this salt and these inputs; returns whether it wrote.
 */
export async function writeSeed(repo: string, out = QUERY_FACTS_SEED, files = INPUTS): Promise<boolean> {
  const salt = factsSalt();
  const inputs = inputsDigest(repo, files);
  try {
    const old = JSON.parse(readFileSync(out, 'utf8')) as { salt?: unknown; inputs?: unknown };
    if (old.salt === salt && old.inputs === inputs) return false;
  } catch {
    /* none yet, or unreadable: write it */
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-query-facts-seed-'));
  try {
    for (const rel of files)
      if (existsSync(path.join(repo, rel))) cpSync(path.join(repo, rel), path.join(dir, rel), { recursive: true });
    const { sync } = await import('../sync.js');
    await sync({ manifestPath: path.join(dir, 'ggen.toml') });
    const facts = JSON.parse(readFileSync(path.join(dir, QUERY_FACTS_FILE), 'utf8')) as {
      salt: string;
      entries: Record<string, unknown>;
    };
    if (facts.salt !== salt) throw new Error('the seed run saved its query facts under another salt');
    // Renamed into place: a build running beside a sync never shows it half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ salt, inputs, entries: facts.entries })}\n`);
    renameSync(tmp, out);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The repository root: the nearest folder upward from this module with ggen.toml and packs/. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(path.join(dir, 'ggen.toml')) && existsSync(path.join(dir, 'packs')))) {
    if (path.dirname(dir) === dir) throw new Error('ggen.toml and packs/ not found above dist/');
    dir = path.dirname(dir);
  }
  return dir;
}

/**
 * As a build step: a seed run that fails (a spec being edited does not validate) leaves the build
 * alone, with a warning. The seed is only a shortcut: without it (or with one of other code, which
 * is ignored) first runs parse their queries, and one of this code from older inputs still holds
 * true facts (each is keyed by its query's text).
 */
async function main(): Promise<void> {
  try {
    await writeSeed(repoRoot());
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    process.stderr.write(`warning: no query facts seed written (syncing this repository's specs failed: ${reason})\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
