import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import type { AccountContext } from "@/lib/accounts/roles";
import { setLimits, type Limits } from "@/lib/ledger";

/** An optional whole number typed into a form: "" → null (no limit), "1,000,000" accepted. */
const optionalAmount = z
  .string()
  .trim()
  .transform((s) => s.replace(/[,_\s]/g, ""))
  .refine((s) => s === "" || /^\d{1,15}$/.test(s), "Enter a whole number, or leave it empty for no limit")
  .transform((s) => (s === "" ? null : Number(s)));

/** The limits form as the browser posts it; shared by the server action and its tests. */
export const limitsFormSchema = z.object({
  softLimitCredits: optionalAmount,
  hardLimit: optionalAmount,
  blockOverage: z.enum(["on", "off"]).optional().transform((v) => v === "on"),
  reason: z.string().trim().max(200).optional(),
});
export type LimitsForm = z.input<typeof limitsFormSchema>;

/** Replaces all three limits at once (the form always shows all of them). Admin+ only, audited by the ledger. */
export async function updateLimitsFromForm(db: Db, actor: AccountContext, input: z.output<typeof limitsFormSchema>): Promise<Limits> {
  return setLimits(db, actor, { softLimitCredits: input.softLimitCredits, hardLimit: input.hardLimit, blockOverage: input.blockOverage }, input.reason || undefined);
}

export type LimitChange = { at: Date; actor: string; before: Partial<Limits> | null; after: Partial<Limits> | null; reason: string | null };

/** The latest limit changes for this account, from the audit log (who, when, old, new). */
export async function limitHistory(db: Db, accountId: string, limit = 5): Promise<LimitChange[]> {
  const rows = await db
    .select({ at: auditLog.createdAt, name: users.name, email: users.email, before: auditLog.before, after: auditLog.after, reason: auditLog.reason })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "limits.updated")))
    .orderBy(desc(auditLog.createdAt))
    .limit(limit);
  return rows.map((r) => ({
    at: r.at,
    actor: r.name || r.email || "system",
    before: r.before as Partial<Limits> | null,
    after: r.after as Partial<Limits> | null,
    reason: r.reason,
  }));
}
