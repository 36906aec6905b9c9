/**
 * Keeps every write inside the output directory, following symlinks: a `to:`
 * that lands outside through `..` or through a symlinked directory is refused.
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

export class PathEscape extends Error {
  override readonly name = 'PathEscape';
}

const inside = (dir: string, p: string): boolean =>
  p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

export class OutputRoot {
  readonly abs: string;
  readonly real: string;
  private readonly cache = new Map<string, string>();

  constructor(abs: string) {
    this.abs = path.resolve(abs);
    this.real = this.realOf(this.abs);
  }

  /** realpath of the deepest existing ancestor, with the missing tail appended. */
  realOf(abs: string): string {
    const hit = this.cache.get(abs);
    if (hit) return hit;
    let real: string;
    try {
      // realpath(3) in one call: the JS realpathSync lstats every component of every output's path.
      real = realpathSync.native(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(abs);
      real = parent === abs ? abs : path.join(this.realOf(parent), path.basename(abs));
    }
    this.cache.set(abs, real);
    return real;
  }

  /** Absolute path for an output (relative to the output dir); throws PathEscape when it leaves the directory. */
  resolve(rel: string): string {
    const abs = path.resolve(this.abs, rel);
    if (!inside(this.abs, abs) || abs === this.abs) throw new PathEscape(`${rel} escapes the output directory`);
    const real = this.realOf(abs);
    if (!inside(this.real, real) || real === this.real) {
      throw new PathEscape(`${rel} resolves to ${real}, outside the output directory (through a symlink)`);
    }
    return abs;
  }

  /** Whether an absolute path (e.g. an orphan named by the previous receipt) really lies inside `dir`. */
  static contains(dir: string, abs: string, root: OutputRoot): boolean {
    return inside(root.realOf(dir), root.realOf(abs));
  }
}

/**
 * Throws PathEscape when a directory on the way from `root` down to `root/rel` (root excluded) is
 * a symlink or not a directory; missing ones are fine (they will be created). For the folders ggen
 * writes besides the outputs: the receipt's, `.ggen/` and `.ggen/cache/`.
 */
export function refuseSymlinks(root: string, rel: string): void {
  let at = path.resolve(root);
  for (const seg of path.normalize(rel).split(path.sep)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new PathEscape(`${rel} leaves ${root}`);
    at = path.join(at, seg);
    let st;
    try {
      st = lstatSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      throw err;
    }
    const shown = path.relative(root, at).split(path.sep).join('/');
    if (st.isSymbolicLink())
      throw new PathEscape(`${shown} is a symlink; ggen does not write through symlinks (make it a real directory)`);
    if (!st.isDirectory()) throw new PathEscape(`${shown} is not a directory`);
  }
}
