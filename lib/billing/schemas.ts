import { z } from "zod";
import { catalog } from "@/lib/config/catalog";

/** Inputs shared by the billing server actions and the REST routes. */
const packKeys = catalog.packs.map((p) => p.key) as [string, ...string[]];
const planKeys = Object.keys(catalog.plans) as [string, ...string[]];

export const buyPackSchema = z.object({ packKey: z.enum(packKeys) });
export const planSchema = z.object({ plan: z.enum(planKeys) });
export const subscriptionPatchSchema = z.union([
  z.object({ plan: z.enum(planKeys) }),
  z.object({ cancelAtPeriodEnd: z.boolean() }),
]);
export const autoRechargeSchema = z.object({
  // Checkboxes post "on" when ticked and nothing when not; JSON sends a boolean.
  enabled: z.union([z.boolean(), z.literal("on"), z.literal("true"), z.literal("false")]).optional().transform((v) => v === true || v === "on" || v === "true"),
  thresholdCredits: z.coerce.number().int().min(0).max(1_000_000_000_000),
  packKey: z.enum(packKeys),
});
export const sessionIdSchema = z.string().regex(/^cs_[A-Za-z0-9_]+$/, "not a checkout session id");
