import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";

/**
 * Token counting for holds and for the fallback when an upstream reports no usage. o200k_base is
 * the encoding of OpenAI's current models; for other providers it is an estimate, which is fine:
 * the hold is a ceiling and the capture uses the upstream's own count whenever it sends one.
 */

// Strings like "<|endoftext|>" are ordinary text here; the library default throws on them, which
// would let any caller crash the counter with one message.
const ORDINARY_TEXT = { disallowedSpecial: new Set<string>() };

// The OpenAI cookbook's chat overhead: 3 per message, 1 per name, 3 to prime the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMER_TOKENS = 3;

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  const known = memo.get(text);
  if (known !== undefined) return known;
  const n = countO200k(text, ORDINARY_TEXT);
  memo.set(text, n);
  return n;
}

/**
 * Counts of texts seen recently. A chat client re-sends its system prompt and every earlier turn
 * with each request, so most of a conversation's prompt was counted already; BPE costs ~1 µs per
 * few characters, a lookup ~0.1 µs. Two generations approximate LRU without bookkeeping per hit:
 * when the current one holds maxChars characters of keys it becomes the previous one (the
 * older is dropped), so memory stays under ~2 × that (~32 MB of strings at the default).
 */
export class TwoGenerationMemo {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(key: string): number | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old); // promoted: still in use
    return old;
  }

  set(key: string, value: number): void {
    if (key.length > this.maxChars / 8) return; // one huge text would flush everything else
    if (this.chars + key.length > this.maxChars) {
      this.previous = this.current;
      this.current = new Map();
      this.chars = 0;
    }
    this.current.set(key, value);
    this.chars += key.length;
  }

  /** Entries in both generations; characters of keys in the current one. */
  get size(): { entries: number; chars: number } {
    return { entries: this.current.size + this.previous.size, chars: this.chars };
  }
}
const memo = new TwoGenerationMemo(8_000_000);

export type CountableMessage = {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: unknown;
};

/**
 * Prompt tokens of a chat request. Content parts count their text; tool definitions and tool calls
 * are counted as their JSON text, which over-estimates slightly — the right direction for a hold.
 */
export function countPromptTokens(messages: readonly CountableMessage[], tools?: unknown): number {
  let total = REPLY_PRIMER_TOKENS;
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE + countTextTokens(m.role) + countContentTokens(m.content);
    if (m.name !== undefined) total += TOKENS_PER_NAME + countTextTokens(m.name);
    if (m.tool_calls !== undefined) total += countTextTokens(JSON.stringify(m.tool_calls));
  }
  if (tools !== undefined) total += countTextTokens(JSON.stringify(tools));
  return total;
}

/**
 * Images are billed by the provider in tiles, from dimensions the gateway does not know, so the
 * hold takes OpenAI's ceiling: "low" detail is a flat 85; "high"/"auto" is 85 + 170 per 512 px
 * tile of the image scaled into 2048 px with its short side at 768 px — at most 2 × 4 tiles.
 * Counting an image as 0 would hold too little and the capture would be capped (usage unbilled).
 */
export const IMAGE_TOKENS_LOW_DETAIL = 85;
export const IMAGE_TOKENS_MAX = 85 + 170 * 8;

function countImagePartTokens(part: { image_url?: unknown }): number {
  const detail = typeof part.image_url === "object" && part.image_url !== null ? (part.image_url as { detail?: unknown }).detail : undefined;
  return detail === "low" ? IMAGE_TOKENS_LOW_DETAIL : IMAGE_TOKENS_MAX;
}

function countContentTokens(content: unknown): number {
  if (typeof content === "string") return countTextTokens(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  // Parts are counted one by one: joining them could merge tokens across part boundaries.
  for (const part of content) {
    if (!part || typeof part !== "object") continue;
    if (typeof (part as { text?: unknown }).text === "string") total += countTextTokens((part as { text: string }).text);
    else if ((part as { type?: unknown }).type === "image_url") total += countImagePartTokens(part as { image_url?: unknown });
  }
  return total;
}
