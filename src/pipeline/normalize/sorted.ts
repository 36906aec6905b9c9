/**
 * Arrays kept sorted in JavaScript's `<` order (for strings, code unit order: what
 * Array.prototype.sort without a comparator gives), searched and changed in place.
 */

/** The first index whose element is not below `x` (where `x` is, or would go). */
export function lowerBound<T extends string | number>(sorted: readonly T[], x: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes one `x` from `sorted`, if it is there. */
export function removeSorted<T extends string | number>(sorted: T[], x: T): void {
  const at = lowerBound(sorted, x);
  if (sorted[at] === x) sorted.splice(at, 1);
}

/** Inserts `x` into `sorted` where it keeps the order. */
export function insertSorted<T extends string | number>(sorted: T[], x: T): void {
  sorted.splice(lowerBound(sorted, x), 0, x);
}
