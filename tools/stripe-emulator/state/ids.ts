import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** Stripe-looking ids: `cus_` + 14 chars, checkout sessions `cs_test_` + 58 like the real ones. */
export function newId(prefix: string): string {
  if (prefix === "cs_test") return `cs_test_${randomToken(58)}`;
  return `${prefix}_${randomToken(prefix === "evt" || prefix === "pi" || prefix === "ch" ? 24 : 14)}`;
}

export function newSecret(prefix: string): string {
  return `${prefix}_${randomToken(32)}`;
}
