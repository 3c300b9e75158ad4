/**
 * Token counting shared by the mock LLM and the gateway's own usage estimation.
 *
 * We use the o200k_base encoding (gpt-4o / gpt-4.1 / o-series / gpt-5 family), so the
 * numbers the mock reports are the numbers a real modern OpenAI model would report
 * for the same text.
 */
import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";

/**
 * Treat strings like "<|endoftext|>" as ordinary text (tiktoken's `encode_ordinary`).
 * The library default throws on them, which would let any user crash the counter.
 */
const ORDINARY_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI cookbook constants for gpt-3.5-turbo-0613 and later chat models. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMER_TOKENS = 3;

export const TOKENIZER_ENCODING = "o200k_base";

/** Exact number of o200k_base tokens in `text`. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countO200k(text, ORDINARY_TEXT);
}

/** A content part as sent by Chat Completions clients; only text parts carry tokens we can count. */
export interface ChatContentPart {
  type: string;
  text?: string;
}

/** The subset of a chat message that affects prompt token counting. */
export interface CountableChatMessage {
  role: string;
  content?: string | readonly ChatContentPart[] | null;
  name?: string;
}

/** Concatenated text of a message's content (text parts only; images/audio are ignored). */
export function messageText(content: CountableChatMessage["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  let text = "";
  for (const part of content) {
    if (typeof part.text === "string") text += part.text;
  }
  return text;
}

/**
 * Prompt tokens of a chat request, per the OpenAI cookbook formula:
 * 3 tokens per message + tokens(role) + tokens(content) [+ 1 + tokens(name)], then +3 for the
 * assistant reply primer. Tool calls, tool definitions and images are not counted.
 */
export function countChatPromptTokens(messages: readonly CountableChatMessage[]): number {
  let total = REPLY_PRIMER_TOKENS;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + countTokens(message.role);
    if (typeof message.content === "string") {
      total += countTokens(message.content);
    } else if (message.content) {
      // Parts are counted separately: joining them could merge tokens across part boundaries.
      for (const part of message.content) {
        if (typeof part.text === "string") total += countTokens(part.text);
      }
    }
    if (message.name !== undefined) total += TOKENS_PER_NAME + countTokens(message.name);
  }
  return total;
}
