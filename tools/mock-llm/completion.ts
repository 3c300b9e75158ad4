/**
 * Decides what the mock answers to a chat request: the reply pieces, finish reason and usage.
 * Pure computation, no I/O, so it can be unit-tested and reused.
 */
import { createHash } from "node:crypto";
import type { ChatCompletionRequest } from "./protocol";
import type { FaultPlan } from "./faults";
import { countChatPromptTokens, messageText } from "./tokens";
import { defaultReplyLength, generatePieces } from "./text-generator";

export interface CompletionPlan {
  model: string;
  /** Reply pieces; each is exactly one token, so completion tokens = pieces.length. */
  pieces: string[];
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
}

/**
 * Prompt counting is the only per-request cost that grows with input size; benchmarks resend the
 * same prompts, so remember recent counts. Bounded, oldest evicted first.
 */
const PROMPT_TOKEN_CACHE_LIMIT = 10_000;
const promptTokenCache = new Map<string, number>();

function cachedPromptTokens(key: string, request: ChatCompletionRequest): number {
  const cached = promptTokenCache.get(key);
  if (cached !== undefined) return cached;
  const count = countChatPromptTokens(request.messages);
  if (promptTokenCache.size >= PROMPT_TOKEN_CACHE_LIMIT) {
    const oldest = promptTokenCache.keys().next();
    if (!oldest.done) promptTokenCache.delete(oldest.value);
  }
  promptTokenCache.set(key, count);
  return count;
}

/** Text of the last user message, where directives live. */
export function lastUserMessageText(request: ChatCompletionRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === "user") return messageText(message.content);
  }
  return "";
}

/** Hash of model + messages only, so stream/max_tokens/other options don't change the reply. */
function conversationHash(request: ChatCompletionRequest): string {
  return createHash("sha1").update(request.model).update("\0").update(JSON.stringify(request.messages)).digest("hex");
}

export function planCompletion(request: ChatCompletionRequest, faults: FaultPlan): CompletionPlan {
  const hash = conversationHash(request);
  const seed = Number.parseInt(hash.slice(0, 8), 16);
  const wanted = faults.tokens ?? defaultReplyLength(seed);
  const cap = request.max_completion_tokens ?? request.max_tokens ?? Number.POSITIVE_INFINITY;
  const length = Math.min(wanted, cap);
  const pieces = generatePieces(seed, length);
  return {
    model: request.model,
    pieces,
    finishReason: wanted > cap ? "length" : "stop",
    promptTokens: cachedPromptTokens(hash, request),
    completionTokens: pieces.length,
  };
}
