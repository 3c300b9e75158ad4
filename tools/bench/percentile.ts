/**
 * Nearest-rank percentile of an ascending-sorted sample: the smallest value such that at least
 * p% of the sample is <= it. NaN for an empty sample (there is no honest number to report).
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sortedAscending[rank - 1] as number;
}
