import { z } from "zod";
import { reasonSchema } from "@/lib/protection/schemas";

/** Inputs shared by the admin routes (JSON) and the console's server actions (forms: strings coerced). */
const credits = z.coerce.number().int().refine((n) => n !== 0, "Must not be zero").refine((n) => Math.abs(n) <= 1_000_000_000_000, "Too large");
const optionalAmount = z
  .union([z.literal("").transform(() => undefined), z.literal("none").transform(() => null), z.null(), z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .optional();

export const searchSchema = z.object({ q: z.string().trim().max(200).optional().default("") });
/** Made when the console form renders (or by an API caller): the same key applies the change once. */
export const idempotencyKeySchema = z.string().trim().regex(/^[A-Za-z0-9_-]{8,100}$/, "8-100 letters, digits, '-' or '_'");
/** The JSON route: the key is optional (a caller without one gets no retry safety). */
export const adjustCreditsSchema = z.object({ credits, reason: reasonSchema, idempotencyKey: idempotencyKeySchema.optional() });
/** The console form always carries its key. */
export const adjustCreditsFormSchema = adjustCreditsSchema.extend({ idempotencyKey: idempotencyKeySchema });
export const adminLimitsSchema = z.object({
  softLimitCredits: optionalAmount,
  hardLimit: optionalAmount,
  blockOverage: z.union([z.boolean(), z.enum(["on", "off", "true", "false"]).transform((v) => v === "on" || v === "true")]).optional(),
  reason: reasonSchema,
});
export const accountStatusSchema = z.object({ status: z.enum(["frozen", "active"]), reason: reasonSchema });
export const resetBreakerSchema = z.object({ reason: reasonSchema });
export const invoiceCreditSchema = z.object({ invoiceId: z.string().trim().min(1).max(100), amountCents: z.coerce.number().int().positive().max(100_000_000), reason: reasonSchema });
