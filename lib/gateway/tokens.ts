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
  return text.length === 0 ? 0 : countO200k(text, ORDINARY_TEXT);
}

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
