import type { DbOrTx } from "@/db/client";
import { auditLog } from "@/db/schema";
import { newId } from "@/lib/ids";

export type AuditEntry = {
  accountId: string | null;
  actorUserId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
  reason?: string;
};

/** Appends to the audit log; call it in the same transaction as the change it records. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    id: newId("aud"),
    accountId: entry.accountId,
    actorUserId: entry.actorUserId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason ?? null,
  });
}
