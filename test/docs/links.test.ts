/**
 * Every relative link in the documentation resolves: the file exists and, for a Markdown target
 * with a #fragment, the page has that anchor (a heading's GitHub slug or an explicit id).
 * External links (http:, https:, mailto:) are not fetched.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/helpers.js';
import { anchors, links } from './markdown.js';

function markdownUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownUnder(rel));
    else if (entry.name.endsWith('.md')) out.push(rel);
  }
  return out.sort();
}

/** The pages checked: README, everything under docs/, and the generated vocabulary reference. */
export const PAGES = ['README.md', ...markdownUnder('docs'), 'generated/reference/otp-vocabulary.md'];

const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string): Set<string> => {
  let a = anchorCache.get(file);
  if (!a) anchorCache.set(file, (a = anchors(readFileSync(path.join(repoRoot, file), 'utf8'))));
  return a;
};

export function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(readFileSync(path.join(repoRoot, page), 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [file = '', fragment] = target.split('#', 2);
    const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
    const where = `${page}:${line}: ${target}`;
    if (resolved.startsWith('..') || !existsSync(path.join(repoRoot, resolved))) {
      broken.push(`${where} (no such file: ${resolved})`);
      continue;
    }
    if (fragment === undefined) continue;
    if (!resolved.endsWith('.md') || statSync(path.join(repoRoot, resolved)).isDirectory()) {
      broken.push(`${where} (an anchor into a file that is not Markdown)`);
      continue;
    }
    if (!anchorsOf(resolved).has(decodeURIComponent(fragment)))
      broken.push(`${where} (no anchor #${fragment} in ${resolved})`);
  }
  return broken;
}

describe('documentation links', () => {
  it('the pages exist, and the four Diátaxis folders hold pages', () => {
    for (const kind of ['tutorials', 'how-to', 'reference', 'explanation'])
      expect(PAGES.filter((p) => p.startsWith(`docs/${kind}/`)).length, kind).toBeGreaterThan(0);
  });

  for (const page of PAGES) {
    it(page, () => {
      expect(brokenLinks(page)).toEqual([]);
    });
  }

  it('a broken link, a missing anchor and a link outside the repository are reported', () => {
    // The checker itself, on a page written for it: it must not pass everything.
    const md = '[a](nope.md) [b](README.md#no-such-heading) [c](../../outside.md) [d](#docs) [e](https://x.y/z)';
    const found = links(md).map((l) => l.target);
    expect(found).toEqual(['nope.md', 'README.md#no-such-heading', '../../outside.md', '#docs', 'https://x.y/z']);
    expect(anchors('# ggen-ts\n## The domains\n## The domains\n<a id="x"></a>')).toEqual(
      new Set(['ggen-ts', 'the-domains', 'the-domains-1', 'x']),
    );
  });
});
