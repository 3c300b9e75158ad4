import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { accountLedger } from "@/db/schema";
import { assertRole, type AccountContext } from "@/lib/accounts/roles";
import { recordAudit } from "@/lib/accounts/audit";
import { catalog } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";
import { getLedgerRowOrThrow, overageLimitCredits } from "./balance";

/**
 * Spending limits per account. The soft limit is a threshold on credits used this period that
 * records one notification per period; the hard limit caps overage per period, in the unit the
 * catalog chooses (credits, or cents of overage spend); blockOverage refuses all overage.
 * Changes take effect on the next reserve (reserve reads them under the account lock).
 */
export type Limits = {
  softLimitCredits: number | null;
  hardLimit: number | null;
  hardLimitUnit: "credits" | "cents";
  /** The hard limit converted to credits at the plan's overage price (null = uncapped). */
  hardLimitCredits: number | null;
  blockOverage: boolean;
};

const amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable();
export const limitsPatchSchema = z
  .object({ softLimitCredits: amount.optional(), hardLimit: amount.optional(), blockOverage: z.boolean().optional() })
  .strict();
export type LimitsPatch = z.infer<typeof limitsPatchSchema>;

function toLimits(row: typeof accountLedger.$inferSelect): Limits {
  return {
    softLimitCredits: row.softLimitCredits,
    hardLimit: row.hardLimit,
    hardLimitUnit: row.hardLimitUnit,
    hardLimitCredits: overageLimitCredits(row),
    blockOverage: row.blockOverage,
  };
}

/** Any member may read the limits. */
export async function getLimits(db: Db, actor: AccountContext): Promise<Limits> {
  return toLimits(await getLedgerRowOrThrow(db, actor.accountId));
}

/** Admins and owners only; audited in the same transaction as the change. */
export async function setLimits(db: Db, actor: AccountContext, patch: LimitsPatch, reason?: string): Promise<Limits> {
  assertRole(actor.role, "admin", "change spending limits");
  const parsed = limitsPatchSchema.safeParse(patch);
  if (!parsed.success) throw new AppError("invalid_input", "Invalid limits", { details: { issues: parsed.error.issues } });
  const p = parsed.data;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from account_ledger where account_id = ${actor.accountId} for update`);
    const before = await getLedgerRowOrThrow(tx, actor.accountId);
    if (p.hardLimit !== undefined && p.hardLimit !== null) {
      const limitCredits = overageLimitCredits({ ...before, hardLimit: p.hardLimit, hardLimitUnit: catalog.limits.hardLimitUnit });
      // Overage in a period never exceeds the hard limit, so it cannot be set below what is
      // already used; blockOverage is the way to stop further overage at once.
      if (limitCredits !== null && limitCredits < before.overageUsedCredits) {
        throw new AppError("invalid_input", "The hard limit cannot be below the overage already used this period; block overage instead", {
          details: { overageUsedCredits: before.overageUsedCredits, hardLimitCredits: limitCredits },
        });
      }
    }
    const [after] = await tx
      .update(accountLedger)
      .set({
        ...(p.softLimitCredits !== undefined ? { softLimitCredits: p.softLimitCredits } : {}),
        ...(p.hardLimit !== undefined ? { hardLimit: p.hardLimit, hardLimitUnit: catalog.limits.hardLimitUnit } : {}),
        ...(p.blockOverage !== undefined ? { blockOverage: p.blockOverage } : {}),
        updatedAt: new Date(),
      })
      .where(eq(accountLedger.accountId, actor.accountId))
      .returning();
    await recordAudit(tx, {
      accountId: actor.accountId,
      actorUserId: actor.userId,
      action: "limits.updated",
      targetType: "account",
      targetId: actor.accountId,
      before: toLimits(before),
      after: toLimits(after!),
      reason,
    });
    return toLimits(after!);
  });
}
