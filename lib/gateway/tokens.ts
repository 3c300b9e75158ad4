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

function countContentTokens(content: unknown): number {
  if (typeof content === "string") return countTextTokens(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  // Parts are counted one by one: joining them could merge tokens across part boundaries.
  for (const part of content) {
    if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      total += countTextTokens((part as { text: string }).text);
    }
  }
  return total;
}
