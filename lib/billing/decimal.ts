/**
 * `numerator / denominator` as an exact decimal string with at most `maxDecimals` places
 * (Stripe's `unit_amount_decimal` takes 12). Throws rather than round: a price that cannot be
 * written exactly would bill something other than the catalog says.
 */
export function exactDecimalOrThrow(numerator: number, denominator: number, maxDecimals = 12): string {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0 || numerator < 0) {
    throw new Error(`Cannot write ${numerator}/${denominator} as a price`);
  }
  const scale = 10n ** BigInt(maxDecimals);
  const scaled = BigInt(numerator) * scale;
  if (scaled % BigInt(denominator) !== 0n) throw new Error(`${numerator}/${denominator} needs more than ${maxDecimals} decimal places`);
  const q = scaled / BigInt(denominator);
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(maxDecimals, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}
