/**
 * The file watching behind `ggen sync --watch`: which paths to watch, and the debounced stream of
 * changes to them.
 *
 * node's fs.watch on each directory that holds an input, not recursive. On Linux a directory
 * watch is one inotify watch and sees every way an editor saves (in place, or a new file renamed
 * over the old one). `recursive: true` on Linux is, in Node 20, a JavaScript layer over the same
 * per-directory watches, and would also watch the output tree ggen writes; watching just the
 * input directories is the same mechanism with less in between, and needs no dependency
 * (chokidar would add one for what a dozen directory watches do). The directories are re-listed
 * after every run, so a new template folder or spec file is picked up then.
 *
 * A change counts when it names a known input, or any file in a directory a glob or the templates
 * tree covers (a new spec or template). ggen's own writes never count: the output directory, the
 * receipt (and its DSSE envelope), `.ggen/` and temporary files are ignored.
 */
import { watch, type FSWatcher, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { hasGlobMagic } from '../fs/glob.js';
import type { Manifest } from '../types.js';

export interface WatchSet {
  /** Input files (absolute). */
  files: string[];
  /** Directories where any new or changed file counts (absolute). */
  openDirs: string[];
}

/** Editor and tool scratch files: backups, swap files, vim's write test, atomic-write temporaries. */
export function isScratch(name: string): boolean {
  return (
    name.endsWith('~') ||
    /\.(sw[a-p]|tmp|temp|bak|orig)$/i.test(name) ||
    /^\.#|^#.*#$/.test(name) ||
    name === '4913' ||
    /^\..*\.\d+\.tmp$/.test(name)
  );
}

/** What ggen itself writes under this manifest: changes there never start a run. */
export function ownWrites(manifest: Manifest, dsse: string): (abs: string) => boolean {
  const root = manifest.root;
  const out = path.resolve(root, manifest.generation.outputDir);
  const receipt = path.resolve(root, manifest.receipt.path);
  const envelope = path.resolve(root, dsse);
  const state = path.resolve(root, '.ggen');
  const under = (dir: string, p: string): boolean => p === dir || p.startsWith(dir + path.sep);
  return (abs) => under(out, abs) || under(state, abs) || abs === receipt || abs === envelope;
}

/** The paths a manifest's run reads: `inputs` (root-relative) plus the directories its globs and templates cover. */
export function watchSetFor(manifest: Manifest, inputs: string[]): WatchSet {
  const root = manifest.root;
  const openDirs = new Set<string>();
  for (const source of manifest.ontology.sources) {
    if (!hasGlobMagic(source)) continue;
    const segs = source.split('/');
    const fixed = segs.slice(
      0,
      segs.findIndex((s) => hasGlobMagic(s)),
    );
    const base = path.resolve(root, ...fixed);
    openDirs.add(base);
    if (source.includes('**')) for (const d of subdirs(base)) openDirs.add(d);
  }
  for (const dir of [manifest.generation.templates, ...(manifest.packs ?? []).map((p) => p.templates)]) {
    const templates = path.resolve(root, dir);
    openDirs.add(templates);
    for (const d of subdirs(templates)) openDirs.add(d);
  }
  return {
    files: [...new Set([manifest.path, ...inputs].map((p) => path.resolve(root, p)))].sort(),
    openDirs: [...openDirs].sort(),
  };
}

function subdirs(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    out.push(p, ...subdirs(p));
  }
  return out;
}

/**
 * The quiet time after the last change before a run starts (DEBOUNCE_MS). Every save is paid this
 * before its run, so it is short: one save's events (truncate and write in place; or a temporary
 * file written and renamed over; vim's `4913` and backup files) all arrive within a millisecond or
 * two, and a burst that a slower tool spreads wider only costs a second run, queued after the
 * first (each run fails closed, and the last one reads the files as they end up). Peers: Vite
 * reacts at once, tsc --watch waits 250 ms, nodemon 1 s.
 */
export const DEBOUNCE_MS = 20;

export interface WatcherOptions {
  /** Quiet time after the last change before `onChange` fires (default DEBOUNCE_MS). */
  debounceMs?: number;
  ignore?: (abs: string) => boolean;
}

/** Watches a WatchSet (replaceable with `update`) and reports bursts of changes, debounced. */
export class InputWatcher {
  private readonly handles = new Map<string, FSWatcher>();
  private files = new Set<string>();
  private open = new Set<string>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly onChange: (paths: string[]) => void,
    private readonly opts: WatcherOptions = {},
  ) {}

  update(set: WatchSet): void {
    if (this.closed) return;
    this.files = new Set(set.files);
    this.open = new Set(set.openDirs);
    const dirs = new Set([...set.files.map((f) => path.dirname(f)), ...set.openDirs]);
    for (const [dir, h] of this.handles) {
      if (!dirs.has(dir)) {
        h.close();
        this.handles.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.handles.has(dir) || !existsSync(dir)) continue;
      try {
        const h = watch(dir, { persistent: true }, (_event, name) =>
          this.event(dir, name === null ? null : String(name)),
        );
        h.on('error', () => {
          h.close();
          if (this.handles.get(dir) === h) this.handles.delete(dir);
          // The directory went away: that is a change to whatever was in it.
          this.accept(dir);
        });
        this.handles.set(dir, h);
      } catch {
        /* vanished between the check and the watch: the next update retries */
      }
    }
  }

  /** Directories being watched (for the status line and tests). */
  get watchedDirs(): number {
    return this.handles.size;
  }

  private event(dir: string, name: string | null): void {
    if (name === null) {
      if (this.open.has(dir)) this.accept(dir);
      return;
    }
    const abs = path.join(dir, name);
    if (this.opts.ignore?.(abs)) return;
    if (this.files.has(abs)) return this.accept(abs);
    if (this.open.has(dir) && !isScratch(path.basename(name))) this.accept(abs);
  }

  private accept(abs: string): void {
    if (this.closed) return;
    this.pending.add(abs);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // A file that came and went within the burst (a tool's temporary) is no change, unless it was an input.
      const paths = [...this.pending].filter((p) => this.files.has(p) || this.open.has(p) || existsSync(p)).sort();
      this.pending.clear();
      if (paths.length > 0) this.onChange(paths);
    }, this.opts.debounceMs ?? DEBOUNCE_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
  }
}
