/**
 * "Did you mean": the nearest name by optimal-string-alignment distance (Damerau-Levenshtein
 * where a transposition of two neighbours costs one edit). Hand-written rather than a library:
 * the maintained npm packages (fastest-levenshtein, leven) count `intesnity` → `intensity` as two
 * edits, and the candidate lists are a vocabulary's few hundred names, so 25 lines do the job.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate nearest to `word` (case-insensitive distance; ties go to the exact-case distance,
 * then code-unit order), if it is near enough to be a typo: at most a third of the word's length
 * (at least 1, at most 3 edits).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: { name: string; d: number; exact: number } | undefined;
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d > limit) continue;
    const exact = editDistance(word, c);
    if (!best || d < best.d || (d === best.d && (exact < best.exact || (exact === best.exact && c < best.name))))
      best = { name: c, d, exact };
  }
  return best?.name;
}
