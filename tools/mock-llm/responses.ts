/**
 * Chat Completions response bodies, shaped exactly like OpenAI's (including the fields clients
 * rarely read, e.g. system_fingerprint, logprobs, refusal), so SDK parsing is exercised for real.
 */
import { randomBytes } from "node:crypto";
import type { CompletionPlan } from "./completion";

const SYSTEM_FINGERPRINT = "fp_mockllm";

// A per-process prefix plus a counter: unique ids without per-request random generation.
const ID_PREFIX = `chatcmpl-${randomBytes(6).toString("hex")}`;
let idCounter = 0;

export function nextCompletionId(): string {
  idCounter++;
  return `${ID_PREFIX}${idCounter.toString(36).padStart(8, "0")}`;
}

export function usageObject(plan: CompletionPlan) {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function completionBody(plan: CompletionPlan, id: string, created: number, includeUsage: boolean): string {
  return JSON.stringify({
    id,
    object: "chat.completion",
    created,
    model: plan.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: plan.pieces.join(""), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    ...(includeUsage ? { usage: usageObject(plan) } : {}),
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

/** The SSE events of one streamed completion, pre-rendered as `data: ...\n\n` strings. */
export interface StreamEvents {
  /** First chunk: `delta: { role: "assistant", content: "" }`. */
  opening: string;
  /** One event per group of `tokensPerChunk` pieces. */
  content: string[];
  /** Empty delta carrying finish_reason. */
  finish: string;
  /** `choices: []` + usage, present when include_usage was asked and usage isn't dropped. */
  usage: string | undefined;
  done: string;
}

/**
 * Built by string concatenation around a shared prefix rather than JSON.stringify per chunk:
 * a 60-token stream is 60+ events and this is the hot path of the streaming benchmark.
 */
export function streamEvents(
  plan: CompletionPlan,
  id: string,
  created: number,
  options: { includeUsage: boolean; emitUsageChunk: boolean; tokensPerChunk: number },
): StreamEvents {
  const prefix =
    `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},` +
    `"model":${JSON.stringify(plan.model)},"service_tier":"default",` +
    `"system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  // OpenAI puts "usage": null on every chunk but the last when include_usage is on.
  const suffix = options.includeUsage ? `],"usage":null}\n\n` : `]}\n\n`;
  const choice = (delta: string, finishReason: string) =>
    `${prefix}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}${suffix}`;

  const content: string[] = [];
  for (let i = 0; i < plan.pieces.length; i += options.tokensPerChunk) {
    const text = plan.pieces.slice(i, i + options.tokensPerChunk).join("");
    content.push(choice(`{"content":${JSON.stringify(text)}}`, "null"));
  }
  return {
    opening: choice(`{"role":"assistant","content":"","refusal":null}`, "null"),
    content,
    finish: choice("{}", `"${plan.finishReason}"`),
    usage:
      options.includeUsage && options.emitUsageChunk
        ? `${prefix}],"usage":${JSON.stringify(usageObject(plan))}}\n\n`
        : undefined,
    done: "data: [DONE]\n\n",
  };
}
