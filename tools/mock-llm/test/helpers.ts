import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

export function clientFor(url: string, options: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: url, apiKey: "test-key", maxRetries: options.maxRetries ?? 0, timeout: options.timeout ?? 10_000 });
}

export function userMessage(content: string): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [{ role: "user", content }];
}

/** Collect a whole stream; rethrows stream errors after recording what arrived. */
export async function collectStream(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  const arrivalsMs: number[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    arrivalsMs.push(performance.now());
  }
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  return { chunks, arrivalsMs, text };
}
