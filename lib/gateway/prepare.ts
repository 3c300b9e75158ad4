import { findModelPrice, type ModelPrice } from "@/lib/config/price-book";
import { getGatewayConfig } from "@/lib/config/gateway";
import { AppError } from "@/lib/errors";
import { invalidInput } from "@/lib/http/errors";
import { maxOutputTokensFor, worstCaseCredits } from "./pricing";
import { actionLabelSchema, type ChatCompletionBody } from "./schemas";
import { countPromptTokens } from "./tokens";

/** Everything decided about a completion before any credit is held or any upstream is called. */
export type PreparedCompletion = {
  price: ModelPrice;
  stream: boolean;
  /** The client asked for the usage chunk (stream_options.include_usage). */
  clientWantsUsageChunk: boolean;
  inputTokens: number;
  maxOutputTokens: number;
  holdCredits: number;
  action: string | null;
  cache: { enabled: boolean; ttlSeconds: number };
  /** The body sent upstream: upstream model name, our metadata removed, output bounded, usage requested. */
  upstreamBody: Record<string, unknown>;
};

export type RequestOptions = {
  /** `x-action` header. */
  actionHeader: string | null;
  /** `x-cache` header: "on" | "off" | null. */
  cacheHeader: string | null;
  /** `x-cache-ttl` header, seconds. */
  cacheTtlHeader: string | null;
  /** The API key's own setting. */
  keyCache: { cacheEnabled: boolean; cacheTtlSeconds: number | null };
};

export function findModelOrThrow(model: string): ModelPrice {
  const price = findModelPrice(model);
  if (!price) {
    throw new AppError("not_found", `The model '${model}' does not exist or you do not have access to it; GET /api/v1/models lists the models you can use`, {
      details: { param: "model", reason: "model_not_found" },
    });
  }
  return price;
}

export function prepareCompletion(body: ChatCompletionBody, options: RequestOptions): PreparedCompletion {
  const price = findModelOrThrow(body.model);
  const n = body.n ?? 1;
  const maxOutputTokens = maxOutputTokensFor(price, body.max_completion_tokens ?? body.max_tokens ?? undefined);
  const inputTokens = countPromptTokens(body.messages, body.tools);
  const stream = body.stream === true;
  const { metadata, ...rest } = body;
  const ourMetadata = metadata ?? {};
  const theirMetadata = Object.fromEntries(Object.entries(ourMetadata).filter(([k]) => k !== "action" && k !== "cache"));

  const upstreamBody: Record<string, unknown> = { ...rest, model: price.upstreamModel };
  if (Object.keys(theirMetadata).length > 0) upstreamBody.metadata = theirMetadata;
  // The hold covers maxOutputTokens per choice; the upstream must not write more than that.
  if (body.max_completion_tokens == null) upstreamBody.max_tokens = maxOutputTokens;
  if (stream) upstreamBody.stream_options = { ...(body.stream_options ?? {}), include_usage: true };

  return {
    price,
    stream,
    clientWantsUsageChunk: body.stream_options?.include_usage === true,
    inputTokens,
    maxOutputTokens,
    holdCredits: worstCaseCredits(price, inputTokens, maxOutputTokens * n),
    action: actionOf(options.actionHeader ?? (typeof ourMetadata.action === "string" ? ourMetadata.action : null)),
    cache: cacheOptions(options, ourMetadata.cache),
    upstreamBody,
  };
}

function actionOf(raw: string | null): string | null {
  if (raw === null) return null;
  const parsed = actionLabelSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}

function cacheOptions(options: RequestOptions, bodyCache: string | boolean | undefined): PreparedCompletion["cache"] {
  const config = getGatewayConfig().cache;
  const requested = options.cacheHeader ?? (bodyCache === undefined ? null : String(bodyCache));
  let enabled = options.keyCache.cacheEnabled;
  if (requested !== null) {
    const v = requested.trim().toLowerCase();
    if (["on", "true", "1"].includes(v)) enabled = true;
    else if (["off", "false", "0"].includes(v)) enabled = false;
    else throw new AppError("invalid_input", "x-cache must be 'on' or 'off'", { details: { param: "x-cache" } });
  }
  let ttlSeconds = options.keyCache.cacheTtlSeconds ?? config.defaultTtlSeconds;
  if (options.cacheTtlHeader !== null) {
    const ttl = Number(options.cacheTtlHeader);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.maxTtlSeconds) {
      throw new AppError("invalid_input", `x-cache-ttl must be a whole number of seconds from 1 to ${config.maxTtlSeconds}`, { details: { param: "x-cache-ttl" } });
    }
    ttlSeconds = ttl;
  }
  return { enabled, ttlSeconds };
}
