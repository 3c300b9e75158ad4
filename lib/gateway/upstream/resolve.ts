import type { ModelPrice } from "@/lib/config/price-book";
import { getEnv } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/** Where one model's calls go: an OpenAI-compatible base URL (ending in /v1) and its key. */
export type Upstream = { name: string; baseUrl: string; apiKey: string | undefined };

/**
 * "default" is LLM_BASE_URL / LLM_API_KEY — the mock LLM in the sandbox (`npm run dev` starts it
 * and passes its URL), or OpenAI, OpenRouter, vLLM, Ollama… in production. A model may name
 * another upstream NAME, configured as LLM_UPSTREAM_<NAME>_BASE_URL / LLM_UPSTREAM_<NAME>_API_KEY.
 */
export function resolveUpstreamOrThrow(price: ModelPrice): Upstream {
  const name = price.upstream ?? "default";
  if (name === "default") {
    const env = getEnv();
    if (!env.LLM_BASE_URL) throw notConfigured(price.id, "LLM_BASE_URL");
    return { name, baseUrl: trimSlash(env.LLM_BASE_URL), apiKey: env.LLM_API_KEY };
  }
  const prefix = `LLM_UPSTREAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
  const baseUrl = process.env[`${prefix}BASE_URL`]?.trim();
  if (!baseUrl) throw notConfigured(price.id, `${prefix}BASE_URL`);
  return { name, baseUrl: trimSlash(baseUrl), apiKey: process.env[`${prefix}API_KEY`]?.trim() || undefined };
}

function notConfigured(model: string, variable: string): AppError {
  console.error(`gateway: model ${model} has no upstream: set ${variable}`);
  return new AppError("upstream_failed", `Model ${model} is not available right now (no upstream configured)`);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
