/**
 * A small deterministic glob (Node 20 has no fs.glob): `*` and `?` match within one path
 * segment, `**` matches any number of segments. Results are POSIX paths relative to `root`,
 * sorted by code unit so the order never depends on the file system.
 * Entries whose name starts with `.` are only matched by a pattern segment that starts with `.`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export function hasGlobMagic(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

function segmentToRegex(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

/** Compiles a glob pattern (POSIX separators, relative) to an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/');
  let re = '^';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      re += last ? '(?:[^/]+(?:/[^/]+)*)?' : '(?:[^/]+/)*';
      return;
    }
    // A wildcard-led segment must not match hidden entries.
    const guard = segment.startsWith('.') ? '' : '(?!\\.)';
    re += guard + segmentToRegex(segment) + (last ? '' : '/');
  });
  return new RegExp(re + '$');
}

async function listFiles(absDir: string, relDir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(absDir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules') continue;
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await listFiles(path.join(absDir, entry.name), rel, out);
    else if (entry.isFile()) out.push(rel);
  }
}

/**
 * Expands `pattern` (relative to `root`) to the files it matches, sorted.
 * Only the static directory prefix of the pattern is listed, so `specs/**\/*.ttl` never walks the whole project.
 */
export async function expandGlob(root: string, pattern: string): Promise<string[]> {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  const segments = normalized.split('/');
  const firstMagic = segments.findIndex((s) => hasGlobMagic(s));
  const base = firstMagic <= 0 ? '' : segments.slice(0, firstMagic).join('/');
  const files: string[] = [];
  await listFiles(path.join(root, base), base, files);
  const re = globToRegExp(normalized);
  return files.filter((f) => re.test(f)).sort(compareCodeUnits);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
