/**
 * A short unified diff for `sync --check`: common prefix/suffix trimmed, then an
 * LCS over the middle. Very large middles are summarised instead.
 */
const MAX_CELLS = 4_000_000;

export function unifiedDiff(
  oldText: string,
  newText: string,
  name: string,
  opts: { context?: number; maxLines?: number } = {},
): string {
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
        lcs[i * (m + 1) + j] =
          am[i] === bm[j]
            ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
            : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
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
      } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!))
        ops.push(['-', am[i++]!]);
      else ops.push(['+', bm[j++]!]);
    }
  }
  // Whole-file op list with old/new line numbers, then hunks of changes plus context.
  const full: Array<{ k: ' ' | '-' | '+'; l: string }> = [
    ...a.slice(0, pre).map((l) => ({ k: ' ' as const, l })),
    ...ops.map(([k, l]) => ({ k, l })),
    ...a.slice(a.length - suf).map((l) => ({ k: ' ' as const, l })),
  ];
  const lines: string[] = [];
  let i = 0;
  let oldNo = 1;
  let newNo = 1;
  const advance = (op: { k: string }): void => {
    if (op.k !== '+') oldNo++;
    if (op.k !== '-') newNo++;
  };
  while (i < full.length) {
    if (full[i]!.k === ' ') {
      advance(full[i]!);
      i++;
      continue;
    }
    let start = i;
    let back = 0;
    while (start > 0 && back < context && full[start - 1]!.k === ' ') {
      start--;
      back++;
    }
    let end = i;
    for (;;) {
      while (end < full.length && full[end]!.k !== ' ') end++;
      let gap = end;
      while (gap < full.length && full[gap]!.k === ' ' && gap - end < 2 * context) gap++;
      if (gap < full.length && full[gap]!.k !== ' ' && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(full.length, end + context);
        break;
      }
    }
    const hunk = full.slice(start, end);
    const oStart = oldNo - back;
    const nStart = newNo - back;
    lines.push(
      `@@ -${oStart},${hunk.filter((o) => o.k !== '+').length} +${nStart},${hunk.filter((o) => o.k !== '-').length} @@`,
    );
    for (const o of hunk) lines.push(o.k + o.l);
    for (let j = i; j < end; j++) advance(full[j]!);
    i = end;
  }
  const shown =
    lines.length > maxLines ? [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more lines`] : lines;
  return [...header, ...shown].join('\n');
}
