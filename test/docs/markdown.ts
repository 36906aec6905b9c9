/**
 * Just enough Markdown for the doc tests: fenced code blocks with the doc-test directives in
 * front of them, GitHub's heading anchors, and the links of a page.
 *
 * Directives are HTML comments, invisible on GitHub:
 *  - `<!-- doc-test: output -->` before a ```text block: it is the stdout of the shell block
 *    before it; a line `...` stands for any number of lines.
 *  - `<!-- doc-test: skip -->` before a block: not run (say why next to it).
 *  - `<!-- doc-test: <step> -->` on its own: a setup step the runner does itself (see
 *    tutorials.test.ts), for what a reader does not have to do.
 * A block that starts with `// file: <path>` or `# file: <path>` is written to that path;
 * `# append: <path>` appends it.
 */

export type Step =
  | { kind: 'shell'; code: string; line: number }
  | { kind: 'file'; path: string; code: string; append: boolean; line: number }
  | { kind: 'output'; expected: string; line: number }
  | { kind: 'directive'; name: string; line: number };

export interface Fence {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  directive?: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const ATTACHED = new Set(['output', 'skip']);
const DIRECTIVE = /^<!--\s*doc-test:\s*([a-z-]+)\s*-->\s*$/;

export interface Parsed {
  fences: Fence[];
  /** Directives that stand alone (not followed by a fence), with their lines. */
  standalone: Array<{ name: string; line: number }>;
  /** Lines that are prose (outside fences). */
  prose: Array<{ text: string; line: number }>;
}

export function parse(md: string): Parsed {
  const lines = md.split('\n');
  const fences: Fence[] = [];
  const standalone: Array<{ name: string; line: number }> = [];
  const prose: Array<{ text: string; line: number }> = [];
  let pending: { name: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const open = FENCE.exec(text);
    if (open) {
      const marker = open[2]!;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        if (lines[j]!.trim().startsWith(marker) && lines[j]!.trim().replace(/[`~]/g, '') === '') break;
        body.push(lines[j]!);
      }
      if (j === lines.length) throw new Error(`line ${i + 1}: a code fence that never closes`);
      const directive = pending?.name;
      pending = undefined;
      fences.push({
        lang: open[3]!.toLowerCase(),
        code: body.join('\n'),
        line: i + 1,
        ...(directive ? { directive } : {}),
      });
      i = j;
      continue;
    }
    const d = DIRECTIVE.exec(text.trim());
    if (d) {
      if (pending) standalone.push(pending);
      pending = undefined;
      // Only `output` and `skip` apply to the code block that follows; any other is a step of its own.
      if (ATTACHED.has(d[1]!)) pending = { name: d[1]!, line: i + 1 };
      else standalone.push({ name: d[1]!, line: i + 1 });
      continue;
    }
    if (text.trim() !== '' && pending) {
      standalone.push(pending);
      pending = undefined;
    }
    prose.push({ text, line: i + 1 });
  }
  if (pending) standalone.push(pending);
  return { fences, standalone, prose };
}

const SHELL = new Set(['sh', 'bash', 'shell']);
const TS = new Set(['ts', 'typescript']);
const FILE_MARK = /^(?:\/\/|#)\s*(file|append):\s*(\S+)\s*$/;

/** The steps of a tutorial, in order. Every shell and TypeScript block is a step unless skipped. */
export function steps(md: string): Step[] {
  const { fences, standalone } = parse(md);
  const all: Array<Step & { line: number }> = [];
  for (const s of standalone) all.push({ kind: 'directive', name: s.name, line: s.line });
  for (const f of fences) {
    if (f.directive === 'skip') continue;
    if (f.directive === 'output') {
      all.push({ kind: 'output', expected: f.code, line: f.line });
      continue;
    }
    if (f.directive) throw new Error(`line ${f.line}: doc-test: ${f.directive} does not apply to a code block`);
    const first = f.code.split('\n')[0] ?? '';
    const mark = FILE_MARK.exec(first);
    if (mark) {
      all.push({ kind: 'file', path: mark[2]!, code: `${f.code}\n`, append: mark[1] === 'append', line: f.line });
      continue;
    }
    if (SHELL.has(f.lang)) all.push({ kind: 'shell', code: f.code, line: f.line });
    else if (TS.has(f.lang))
      throw new Error(
        `line ${f.line}: a TypeScript block must start with "// file: <path>" (or be marked doc-test: skip)`,
      );
  }
  return all.sort((a, b) => a.line - b.line);
}

/** An expected line: `...` inside it matches any text (durations, digests). */
function lineMatches(actual: string, expected: string): boolean {
  if (!expected.includes('...')) return actual === expected;
  const re = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`).test(actual);
}

/**
 * Compares output with an expected block: trailing spaces ignored, a line `...` matches any
 * number of lines, `...` inside a line any text.
 */
export function outputMatches(actual: string, expected: string): boolean {
  const norm = (s: string): string[] =>
    s
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trim()
      .split('\n');
  const a = norm(actual);
  const e = norm(expected);
  const match = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === '...') {
      for (let k = i; k <= a.length; k++) if (match(k, j + 1)) return true;
      return false;
    }
    return i < a.length && lineMatches(a[i]!, e[j]!) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** GitHub's anchor for a heading text. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a page offers: heading slugs (with GitHub's -1, -2 for repeats) and explicit ids. */
export function anchors(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of parse(md).prose) {
    for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The links of a page outside code: [text](target) and <a href="target">. */
export function links(md: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  for (const { text, line } of parse(md).prose) {
    const noCode = text.replace(/`[^`]*`/g, '');
    for (const m of noCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1]!, line });
    for (const m of noCode.matchAll(/<a\s+href="([^"]+)"/g)) out.push({ target: m[1]!, line });
  }
  return out;
}
