import { z } from "zod";

/**
 * The Chat Completions body, validated only where the gateway depends on it (model, messages,
 * token limits, streaming, our metadata); every other field is forwarded to the upstream as sent,
 * so new OpenAI parameters work without a gateway release.
 */
const message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(z.unknown()).optional(),
  })
  .loose();

const positiveInt = z.number().int().positive();

export const chatCompletionBodySchema = z
  .object({
    model: z.string().min(1, "model is required"),
    messages: z.array(message).min(1, "messages must contain at least one message"),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: positiveInt.nullish(),
    max_completion_tokens: positiveInt.nullish(),
    n: z.number().int().min(1).max(8).nullish(),
    tools: z.array(z.unknown()).optional(),
    // OpenAI's metadata is a string map; `action` and `cache` are ours and are not forwarded.
    metadata: z.record(z.string(), z.union([z.string(), z.boolean()])).nullish(),
  })
  .loose();

export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

/** A label for the top-actions breakdown: short, printable, no surprises in a dashboard. */
export const actionLabelSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:/-]+$/, "action: letters, digits and . _ : / - only");
