/** (total − previous) / previous, in basis points (6000 = +60%); integers only. */
export function increaseBps(totalCents: number, previousCents: number): number {
  if (previousCents <= 0) return 0;
  return Math.floor(((totalCents - previousCents) * 10_000) / previousCents);
}

/** More than `percent` above the previous invoice (exactly +50% is not a spike). No previous → never. */
export function isInvoiceSpike(totalCents: number, previousCents: number, percent = 50): boolean {
  if (previousCents <= 0) return false;
  return totalCents * 100 > previousCents * (100 + percent);
}
