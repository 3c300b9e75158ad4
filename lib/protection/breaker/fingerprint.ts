/**
 * The near-duplicate fingerprint of a chat request: model plus the last two messages, normalised
 * (ASCII case, runs of whitespace, and runs of digits folded, so a loop that only changes a
 * counter, a timestamp or an id still matches). An agent stuck in a loop grows its history but
 * keeps sending the same tail; ordinary traffic does not. One pass, no allocation per character:
 * 32-bit FNV-1a over the normalised characters. A collision only makes two different requests
 * count as one loop candidate, which the repeat threshold absorbs.
 */
const MAX_CHARS_PER_MESSAGE = 2_000;
const FNV_PRIME = 0x01000193;

export type FingerprintInput = { model: string; messages: readonly { role?: unknown; content?: unknown }[] };

export function requestFingerprint(body: FingerprintInput): number {
  let h = hashNormalised(0x811c9dc5, body.model);
  const msgs = body.messages;
  for (let i = Math.max(0, msgs.length - 2); i < msgs.length; i++) {
    const m = msgs[i]!;
    h = hashNormalised(Math.imul(h ^ 0x7c, FNV_PRIME), typeof m.role === "string" ? m.role : "");
    h = hashNormalised(Math.imul(h ^ 0x3a, FNV_PRIME), contentText(m.content));
  }
  return h >>> 0;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join(" ");
  return content == null ? "" : JSON.stringify(content);
}

/** FNV-1a of the text with A–Z lowered, whitespace runs → one space, digit runs → "#", ends trimmed. */
function hashNormalised(seed: number, s: string): number {
  let h = seed;
  const n = Math.min(s.length, MAX_CHARS_PER_MESSAGE);
  let pending = 0; // 0 none, 1 a space, 2 a digit run
  let started = false;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (started && pending === 0) pending = 1;
      continue;
    }
    if (c >= 48 && c <= 57) {
      if (pending !== 2) {
        if (pending === 1) h = Math.imul(h ^ 32, FNV_PRIME);
        h = Math.imul(h ^ 35, FNV_PRIME); // "#"
        pending = 2;
      }
      started = true;
      continue;
    }
    if (pending === 1) h = Math.imul(h ^ 32, FNV_PRIME);
    pending = 0;
    started = true;
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}
