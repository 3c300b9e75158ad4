import { randomFillSync } from "node:crypto";

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

// Random bytes are drawn from the CSPRNG 4 KiB at a time (as node's randomUUID does): one
// randomBytes(16) call costs ~8 µs of native round trip, a slice of the pool ~0.3 µs, and a
// metered request makes two ids. Each byte is used once; 256 is a multiple of 32, so `% 32` is unbiased.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomPart(): string {
  if (poolOffset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let out = "";
  for (let i = poolOffset; i < poolOffset + 16; i++) out += ALPHABET[pool[i]! % 32];
  poolOffset += 16;
  return out;
}
