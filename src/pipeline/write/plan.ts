/**
 * Decides, before anything is written, what happens to every output and to
 * every file the previous receipt listed. Hand edits are detected by comparing
 * the disk with the PREVIOUS receipt's digests.
 */
import { lstatSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { CheckFailed } from '../errors.js';
import type { ReceiptView } from '../receipt/statement.js';
import type { RenderedFile } from '../types.js';
import { readIfExistsSync, sha256 } from './hash.js';
import { OutputRoot, PathEscape, refuseSymlinks } from './paths.js';

export type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'keep' | 'conflict';

export interface PlanEntry {
  /** Path relative to the project root, POSIX separators. */
  path: string;
  abs: string;
  action: Action;
  reason: string;
  mode: RenderedFile['mode'];
  template?: string;
  /** New content (create/update/unchanged/conflict). */
  content?: string;
  sha256?: string;
  /** Content on disk now, as text (null when missing). */
  old: string | null;
}

export interface Plan {
  entries: PlanEntry[];
  /** Outputs as the receipt will record them (root-relative). */
  outputs: Array<{ path: string; sha256: string; mode: RenderedFile['mode'] }>;
  conflicts: PlanEntry[];
}

export interface PlanInput {
  root: string;
  outputDir: string;
  /** The user's hand-written folder (relative to root): where `root: 'handwritten'` files are created, once. */
  handwrittenDir?: string;
  files: RenderedFile[];
  previous: ReceiptView | null;
  force: boolean;
}

const posix = (p: string): string => p.split(path.sep).join('/');

export async function planWrites(input: PlanInput): Promise<Plan> {
  const out = new OutputRoot(path.resolve(input.root, input.outputDir));
  const prevSubjects = input.previous?.subjects ?? new Map<string, string>();
  const entries: PlanEntry[] = [];
  const produced = new Set<string>();
  const outputs: Plan['outputs'] = [];
  const hwDir = input.handwrittenDir;
  const hw = hwDir !== undefined ? new OutputRoot(path.resolve(input.root, hwDir)) : undefined;

  for (const f of input.files) {
    if (f.root === 'handwritten') {
      entries.push(planHandwritten(f, input, hw));
      const e = entries[entries.length - 1]!;
      produced.add(e.path);
      outputs.push({ path: e.path, sha256: e.sha256!, mode: 'create_once' });
      continue;
    }
    let abs: string;
    try {
      abs = out.resolve(f.path);
    } catch (err) {
      if (err instanceof PathEscape) throw new PathEscape(`${f.template}: to: ${err.message}`);
      throw err;
    }
    const rel = posix(path.relative(input.root, abs));
    produced.add(rel);
    const hash = sha256(f.content);
    const disk = readIfExistsSync(abs);
    const old = disk ? disk.toString('utf8') : null;
    const base = { path: rel, abs, mode: f.mode, template: f.template, content: f.content, sha256: hash, old };
    let action: Action;
    let reason: string;
    if (f.mode === 'create_once') {
      if (disk) [action, reason] = ['keep', 'create_once: the file exists and belongs to the user'];
      else [action, reason] = ['create', 'create_once: not there yet'];
      outputs.push({ path: rel, sha256: disk ? sha256(disk) : hash, mode: f.mode });
      entries.push({ ...base, action, reason });
      continue;
    }
    outputs.push({ path: rel, sha256: hash, mode: f.mode });
    if (!disk) [action, reason] = ['create', prevSubjects.has(rel) ? 'missing on disk; recreated' : 'new output'];
    else if (sha256(disk) === hash) [action, reason] = ['unchanged', 'up to date'];
    else if (!prevSubjects.has(rel)) {
      [action, reason] = input.force
        ? ['update', 'exists but no receipt lists it; overwritten (--force)']
        : [
            'conflict',
            'exists but no previous receipt lists it (not written by ggen, or the receipt is missing); use --force to overwrite',
          ];
    } else if (prevSubjects.get(rel) !== sha256(disk)) {
      [action, reason] = input.force
        ? ['update', 'edited by hand since the last sync; overwritten (--force)']
        : [
            'conflict',
            'edited by hand since the last sync (it no longer matches the receipt); use --force to overwrite',
          ];
    } else [action, reason] = ['update', 'specs or templates changed'];
    entries.push({ ...base, action, reason });
  }

  const createOnce = new Set(input.previous?.createOnce ?? []);
  for (const [rel, recorded] of prevSubjects) {
    if (produced.has(rel) || createOnce.has(rel)) continue;
    // The receipt is untrusted: an orphan is deleted (or even read) only inside the output directory.
    const abs = path.resolve(input.root, rel);
    if (!OutputRoot.contains(out.abs, abs, out) || abs === out.abs || out.realOf(abs) === out.real) continue;
    const disk = readIfExistsSync(abs);
    if (!disk) continue;
    const old = disk.toString('utf8');
    if (sha256(disk) === recorded)
      entries.push({
        path: rel,
        abs,
        action: 'delete',
        reason: 'orphan: no template produces it any more',
        mode: 'overwrite',
        old,
      });
    else
      entries.push({
        path: rel,
        abs,
        action: 'keep',
        reason: 'orphan edited by hand since the last sync; kept, and no longer tracked',
        mode: 'overwrite',
        old,
      });
  }

  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  outputs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, outputs, conflicts: entries.filter((e) => e.action === 'conflict') };
}

/**
 * A stub for the user's hand-written folder: created when nothing is at its path, otherwise kept
 * untouched (whatever is there, a symlink included, is the user's and is not even read). The
 * folders on the way must be real directories inside the hand-written folder: nothing is written
 * through a symlink.
 */
function planHandwritten(f: RenderedFile, input: PlanInput, hw: OutputRoot | undefined): PlanEntry {
  const fail = (why: string): never => {
    throw new PathEscape(`${f.template}: to: ${why}`);
  };
  if (hw === undefined || input.handwrittenDir === undefined) return fail(`${f.path}: no hand-written folder is set`);
  if (f.mode !== 'create_once') return fail(`${f.path}: files of the hand-written folder are create_once only`);
  const inHw = path.posix.relative(input.handwrittenDir, path.posix.join(input.outputDir, f.path));
  if (inHw === '' || inHw.startsWith('../') || path.posix.isAbsolute(inHw))
    return fail(`${f.path} escapes the hand-written folder ${input.handwrittenDir}`);
  let abs = '';
  try {
    refuseSymlinks(input.root, path.posix.join(input.handwrittenDir, path.posix.dirname(inHw)));
    abs = hw.resolve(inHw);
  } catch (err) {
    if (err instanceof PathEscape) fail(err.message);
    throw err;
  }
  const rel = posix(path.relative(input.root, abs));
  let present = false;
  try {
    lstatSync(abs);
    present = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw err;
  }
  const hash = sha256(f.content);
  return {
    path: rel,
    abs,
    action: present ? 'keep' : 'create',
    reason: present
      ? 'create_once: the file exists in the hand-written folder and belongs to the user'
      : 'create_once: a stub for hand-written code, not there yet',
    mode: 'create_once',
    template: f.template,
    content: f.content,
    sha256: hash,
    old: null,
  };
}

/**
 * Writes creates/updates atomically, deletes orphans, then removes temporary files a killed sync
 * left in the output directory. Call only after the whole plan is known to be sound.
 *
 * Every file's bytes are first written beside it and synced, all of them before any is put in
 * place (batch.ts: what a crash leaves). Every create (its path was empty at plan time) is then
 * linked into place, which fails where a file appeared since planning: that file was not written
 * by ggen and is never replaced. A create_once file is then simply kept; for any other output the
 * run fails closed: the outputs it created are removed again, nothing is updated or deleted, and
 * the error names every path taken meanwhile. Updates are renamed over their outputs last, and the
 * directories that changed are synced once.
 */
export async function applyPlan(plan: Plan, outputDirAbs: string): Promise<void> {
  const { removeFile, removeLeftoverTemps } = await import('./atomic.js');
  const [{ stageFiles, unlinkQuietly }, { syncDirectories, directoriesChanged }] = await Promise.all([
    import('./batch.js'),
    import('./dir-sync.js'),
  ]);
  const { linkSync, mkdirSync, renameSync } = await import('node:fs');
  const writes = plan.entries.filter(
    (e) => (e.action === 'create' || e.action === 'update') && e.content !== undefined,
  );
  const changed = new Set<string>();
  /** The directories made here, each after its parent: removed again (when empty) if the run fails. */
  const made: string[] = [];
  for (const dir of new Set(writes.map((e) => path.dirname(e.abs)))) {
    const first = mkdirSync(dir, { recursive: true });
    const dirs = directoriesChanged(dir, first);
    dirs.forEach((d) => changed.add(d));
    if (first !== undefined) made.push(...dirs.slice(0, -1).reverse());
  }
  // Each temporary file is set to null once linked and removed, or renamed into place.
  let temps: Array<string | null>;
  try {
    temps = await stageFiles(writes.map((e) => ({ abs: e.abs, content: e.content! })));
  } catch (err) {
    removeEmpty(made);
    throw err;
  }
  try {
    const created: PlanEntry[] = [];
    const taken = new Set<PlanEntry>();
    try {
      writes.forEach((e, i) => {
        if (e.action !== 'create') return;
        try {
          linkSync(temps[i]!, e.abs);
          created.push(e);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          if (e.mode !== 'create_once') taken.add(e);
        } finally {
          unlinkQuietly(temps[i]!);
          temps[i] = null;
        }
      });
      if (taken.size > 0)
        throw new CheckFailed(
          [
            'sync stopped; nothing was written:',
            ...writes
              .filter((e) => taken.has(e))
              .map(
                (e) =>
                  `  ${e.path}: appeared after planning (not written by ggen); kept. Run sync again to see it as a conflict`,
              ),
          ].join('\n'),
        );
    } catch (err) {
      // Fail closed: the outputs this run created are taken back; nothing is updated or deleted.
      for (const e of created) removeFile(e.abs, outputDirAbs);
      removeEmpty(made);
      throw err;
    }
    writes.forEach((e, i) => {
      if (e.action !== 'update') return;
      renameSync(temps[i]!, e.abs);
      temps[i] = null;
    });
  } finally {
    // What a failure left: an update's temporary file not yet renamed, a create's not yet linked.
    for (const tmp of temps) if (tmp !== null) unlinkQuietly(tmp);
  }
  for (const e of plan.entries)
    if (e.action === 'delete') {
      removeFile(e.abs, outputDirAbs);
      changed.add(path.dirname(e.abs));
    }
  await syncDirectories(changed);
  removeLeftoverTemps(outputDirAbs);
}

/** Removes each of `dirs` that is empty, the last first (each comes after its parent). */
function removeEmpty(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      /* not empty, or gone */
    }
  }
}
