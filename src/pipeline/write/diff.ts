/**
 * A short unified diff for `sync --check`: common prefix/suffix trimmed, then an
 * LCS over the middle. Very large middles are summarised instead.
 */
const MAX_CELLS = 4_000_000;

export function unifiedDiff(oldText: string, newText: string, name: string, opts: { context?: number; maxLines?: number } = {}): string {
  const context = opts.context ?? 2;
  const maxLines = opts.maxLines ?? 40;
  const a = oldText === '' ? [] : oldText.replace(/\n$/, '').split('\n');
  const b = newText === '' ? [] : newText.replace(/\n$/, '').split('\n');
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const header = [`--- a/${name}`, `+++ b/${name}`];
  if (am.length === 0 && bm.length === 0) return header.concat('(only line endings differ)').join('\n');

  type Op = [' ' | '-' | '+', string];
  let ops: Op[];
  if ((am.length + 1) * (bm.length + 1) > MAX_CELLS) {
    ops = [...am.map((l): Op => ['-', l]), ...bm.map((l): Op => ['+', l])];
  } else {
    const n = am.length;
    const m = bm.length;
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = am[i] === bm[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    ops = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push([' ', am[i]!]);
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) ops.push(['-', am[i++]!]);
      else ops.push(['+', bm[j++]!]);
    }
  }
  const before = a.slice(Math.max(0, pre - context), pre).map((l): Op => [' ', l]);
  const after = a.slice(a.length - suf, a.length - suf + context).map((l): Op => [' ', l]);
  const all = [...before, ...ops, ...after];
  const oldStart = pre - before.length + 1;
  const newStart = pre - before.length + 1;
  const oldLen = all.filter((o) => o[0] !== '+').length;
  const newLen = all.filter((o) => o[0] !== '-').length;
  const lines = all.map(([k, l]) => k + l);
  const shown = lines.length > maxLines ? [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more lines`] : lines;
  return [...header, `@@ -${oldStart},${oldLen} +${newStart},${newLen} @@`, ...shown].join('\n');
}
