/**
 * The near-duplicate fingerprint of a chat request: model plus the last two messages, normalised
 * (case, whitespace, and every run of digits folded, so a loop that only changes a counter, a
 * timestamp or an id still matches). An agent stuck in a loop grows its history but keeps
 * sending the same tail; ordinary traffic does not. 32-bit FNV-1a: a collision only makes two
 * different requests count as one loop candidate, which the repeat threshold absorbs.
 */
const MAX_CHARS_PER_MESSAGE = 2_000;

export type FingerprintInput = { model: string; messages: readonly { role?: unknown; content?: unknown }[] };

export function requestFingerprint(body: FingerprintInput): number {
  let h = fnv(0x811c9dc5, body.model);
  const msgs = body.messages;
  for (let i = Math.max(0, msgs.length - 2); i < msgs.length; i++) {
    const m = msgs[i]!;
    h = fnv(h, `|${String(m.role ?? "")}:`);
    h = fnv(h, normalise(contentText(m.content)));
  }
  return h >>> 0;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join(" ");
  return content == null ? "" : JSON.stringify(content);
}

function normalise(text: string): string {
  return text.slice(0, MAX_CHARS_PER_MESSAGE).toLowerCase().replace(/\d+/g, "#").replace(/\s+/g, " ").trim();
}

function fnv(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
