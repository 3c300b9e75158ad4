import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeUser } from "@/tests/helpers/fixtures";
import { billingInvoices, billingPurchases, breakerTrips, invoiceFlags, meterReports, usageDaily } from "@/db/schema";
import { asPlatformAdminOr404 } from "@/lib/admin/authz";
import { searchCustomers } from "@/lib/admin/customers";
import { getPlatformOverview } from "@/lib/admin/overview";
import { catalog } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const admin = asPlatformAdminOr404({ userId: "usr_admin", email: "ops@example.test", name: "Ops", isPlatformAdmin: true });

describe("platform overview", () => {
  it("revenue by source: packs net of refunds, overage at the catalog price, subscriptions = paid invoices − overage; trips, flags, credits per day", async () => {
    const u = await makeUser(t.db);
    const a = u.personalAccountId;
    const now = new Date();
    await t.db.insert(billingPurchases).values([
      { id: "cs_1", accountId: a, kind: "checkout", packKey: "p", credits: 1, amountCents: 2_000, status: "paid" },
      { id: "cs_2", accountId: a, kind: "checkout", packKey: "p", credits: 1, amountCents: 1_000, refundedCents: 400, status: "partially_refunded" },
      { id: "cs_3", accountId: a, kind: "checkout", packKey: "p", credits: 1, amountCents: 9_999, status: "failed" },
    ]);
    const o = catalog.plans.pro.stripe!.overage;
    const overageCredits = 2 * o.unitCredits; // worth 2 × centsPerUnit
    await t.db.insert(meterReports).values({ id: "mr_1", accountId: a, eventName: "e", credits: overageCredits, eventAt: now, status: "sent" });
    const invoice = { accountId: a, currency: "usd", amountDueCents: 0, periodStart: now, periodEnd: now, stripeCreatedAt: now };
    await t.db.insert(billingInvoices).values([
      { id: "in_1", ...invoice, status: "paid", totalCents: 2_900 + 2 * o.centsPerUnit, amountPaidCents: 2_900 + 2 * o.centsPerUnit },
      { id: "in_2", ...invoice, status: "open", totalCents: 5_000, amountPaidCents: 0 },
    ]);
    await t.db.insert(breakerTrips).values({ id: "brk_1", accountId: a, scope: "account", cause: "spend_spike", message: "m", details: {}, trippedAt: now });
    await t.db.insert(invoiceFlags).values({ id: "flag_1", accountId: a, invoiceId: "in_2", customerId: "cus_1", currency: "usd", totalCents: 5_000, previousInvoiceId: "in_1", previousTotalCents: 2_900, increaseBps: 7_241, breakdown: [] });
    await t.db.insert(usageDaily).values({ accountId: a, day: now.toISOString().slice(0, 10), action: null, model: "standard", userId: null, apiKeyId: null, requests: 3, cacheHits: 0, chargedCredits: 4_242, overageCredits: 0, includedCredits: 0, inputTokens: 1, outputTokens: 1 });

    const ov = await getPlatformOverview(t.db, admin);
    expect(ov.revenueCents).toEqual({ packs: 2_600, overage: 2 * o.centsPerUnit, subscriptions: 2_900, total: 2_600 + 2 * o.centsPerUnit + 2_900 });
    expect(ov.trips.map((x) => x.id)).toEqual(["brk_1"]);
    expect(ov.flaggedInvoices.map((f) => [f.invoiceId, f.increaseBps])).toEqual([["in_2", 7_241]]);
    expect(ov.creditsPerDay).toEqual([{ day: now.toISOString().slice(0, 10), credits: 4_242 }]);
    expect(ov.accounts.activeLast30Days).toBe(1);
  });

  it("customers search: by email finds the one account, with its balance and last activity; a non-admin identity cannot get a PlatformAdmin", async () => {
    const u = await makeUser(t.db, "Zed Searchable");
    const rows = await searchCustomers(t.db, admin, { q: u.user.email.toUpperCase() });
    expect(rows.map((r) => [r.id, r.availableCredits])).toEqual([[u.personalAccountId, catalog.signupCredits]]);
    expect(() => asPlatformAdminOr404({ userId: u.user.id, email: u.user.email, name: "Zed", isPlatformAdmin: false })).toThrow(AppError);
    expect(() => asPlatformAdminOr404(null)).toThrow(/Not found/);
  });
});
