import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts, auditLog, billingInvoices, creditGrants, holds, invoiceFlags, ledgerEntries } from "@/db/schema";
import { listMembers } from "@/lib/accounts/members";
import type { AccountContext } from "@/lib/accounts/roles";
import { notFound } from "@/lib/errors";
import { listNotificationsForAdmin } from "@/lib/notifications";
import { getProtectionStatus } from "@/lib/protection/status";
import { getUsageDashboard } from "@/lib/usage/dashboard";
import type { PlatformAdmin } from "./authz";

/** An admin reads an account as its owner would (every breakdown), never writes through this. */
export function adminReadContext(admin: PlatformAdmin, accountId: string): AccountContext {
  return { accountId, userId: admin.userId, role: "owner", via: "session" };
}

/** Everything the customer page shows, each list scoped to the account and bounded. */
export async function getCustomerDetail(db: Db, admin: PlatformAdmin, accountId: string) {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw notFound("Customer");
  const [members, usage, grants, journal, inFlight, invoices, flags, notifications, audit, protection] = await Promise.all([
    listMembers(db, accountId),
    getUsageDashboard(db, adminReadContext(admin, accountId)),
    db.select().from(creditGrants).where(eq(creditGrants.accountId, accountId)).orderBy(desc(creditGrants.createdAt)).limit(50),
    db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId)).orderBy(desc(ledgerEntries.id)).limit(50),
    db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "held"))).orderBy(desc(holds.createdAt)).limit(50),
    db.select().from(billingInvoices).where(eq(billingInvoices.accountId, accountId)).orderBy(desc(billingInvoices.stripeCreatedAt)).limit(24),
    db.select().from(invoiceFlags).where(eq(invoiceFlags.accountId, accountId)).orderBy(desc(invoiceFlags.createdAt)).limit(24),
    listNotificationsForAdmin(db, accountId, 30),
    db.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(desc(auditLog.createdAt)).limit(50),
    getProtectionStatus(db, accountId),
  ]);
  return { account, members, usage, grants, journal, inFlight, invoices, flags, notifications, audit, protection };
}

export type CustomerDetail = Awaited<ReturnType<typeof getCustomerDetail>>;
