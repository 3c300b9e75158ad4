import { randomBytes } from "node:crypto";

/**
 * Prefixed, time-sortable ids (`acct_01J…`), so a log line says what an id is and ids sort by
 * creation. 10 chars of millisecond time + 16 chars of randomness, Crockford base32.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix =
  | "usr" | "ses" | "acct" | "inv" | "key" | "grant" | "hold" | "le" | "req" | "evt" | "job" | "aud"
  | "ntf" | "inv_mirror" | "mr" | "rcp" | "cache" | "brk" | "flag" | "eml" | "div";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${encodeTime(Date.now())}${randomPart()}`;
}

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function randomPart(): string {
  const bytes = randomBytes(16);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}
