import { describe, expect, it } from "vitest";
import type { TestDb } from "@/tests/db";
import { call, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { GET as overview } from "@/app/api/v1/billing/route";
import { POST as checkout } from "@/app/api/v1/billing/checkout/route";
import { GET as checkoutStatus } from "@/app/api/v1/billing/checkout/[sessionId]/route";
import { PATCH as patchSubscription, POST as subscribe } from "@/app/api/v1/billing/subscription/route";
import { PUT as putAutoRecharge } from "@/app/api/v1/billing/auto-recharge/route";
import { POST as portal } from "@/app/api/v1/billing/portal/route";
import { GET as divergences } from "@/app/api/admin/billing/divergences/route";
import { billingDivergences } from "@/db/schema";
import { resetEnvForTests } from "@/lib/config/env";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

describe("billing REST routes", () => {
  it("owner buys the 10,000,000 pack through the routes: 201 with a Checkout URL → pay → poll says granted, 10,100,000", async () => {
    const owner = await makeUser(t.db);
    const r = await call(checkout, { method: "POST", cookie: owner.cookie, body: { packKey: "growth" } });
    expect(r.status).toBe(201);
    const { url, sessionId } = (await r.json()) as { url: string; sessionId: string };
    expect(url).toContain(h.emulator.url);
    await payCheckout(url);
    const s = await call(checkoutStatus, { cookie: owner.cookie, params: { sessionId } });
    expect(await s.json()).toEqual({ status: "granted", credits: 10_000_000, availableCredits: 10_100_000 });
    const o = await call(overview, { cookie: owner.cookie });
    const body = (await o.json()) as { plan: { key: string }; balance: { availableCredits: number }; purchases: unknown[] };
    expect(body.plan.key).toBe("free");
    expect(body.balance.availableCredits).toBe(10_100_000);
    expect(body.purchases).toHaveLength(1);
  });

  it("a team member (not admin) → 403 on buy, subscribe, portal and auto-recharge; can read the overview", async () => {
    const owner = await makeUser(t.db);
    const member = await makeUser(t.db, "Grace Hopper");
    const team = await makeTeamWith(t.db, owner, [{ user: member.user, role: "member" }]);
    const headers = { "x-account-id": team.id };
    expect((await call(checkout, { method: "POST", cookie: member.cookie, headers, body: { packKey: "starter" } })).status).toBe(403);
    expect((await call(subscribe, { method: "POST", cookie: member.cookie, headers, body: { plan: "pro" } })).status).toBe(403);
    expect((await call(portal, { method: "POST", cookie: member.cookie, headers })).status).toBe(403);
    expect((await call(putAutoRecharge, { method: "PUT", cookie: member.cookie, headers, body: { enabled: false, thresholdCredits: 1, packKey: "starter" } })).status).toBe(403);
    expect((await call(overview, { cookie: member.cookie, headers })).status).toBe(200);
  });

  it("another account's checkout session → 404; a malformed id → 422; an unknown pack → 422", async () => {
    const a = await makeUser(t.db);
    const b = await makeUser(t.db, "Bob Builder");
    const r = await call(checkout, { method: "POST", cookie: a.cookie, body: { packKey: "starter" } });
    const { sessionId } = (await r.json()) as { sessionId: string };
    expect((await call(checkoutStatus, { cookie: b.cookie, params: { sessionId } })).status).toBe(404);
    expect((await call(checkoutStatus, { cookie: a.cookie, params: { sessionId: "../etc" } })).status).toBe(422);
    expect((await call(checkout, { method: "POST", cookie: a.cookie, body: { packKey: "huge" } })).status).toBe(422);
  });

  it("subscribe → pay → PATCH cancelAtPeriodEnd true then false → 200 each; PATCH on a free account → 409", async () => {
    const owner = await makeUser(t.db);
    const r = await call(subscribe, { method: "POST", cookie: owner.cookie, body: { plan: "pro" } });
    expect(r.status).toBe(201);
    await payCheckout(((await r.json()) as { url: string }).url);
    await h.settle();
    const cancel = await call(patchSubscription, { method: "PATCH", cookie: owner.cookie, body: { cancelAtPeriodEnd: true } });
    expect(cancel.status).toBe(200);
    expect((await call(patchSubscription, { method: "PATCH", cookie: owner.cookie, body: { cancelAtPeriodEnd: false } })).status).toBe(200);
    const p = await call(portal, { method: "POST", cookie: owner.cookie });
    expect(((await p.json()) as { url: string }).url).toContain(h.emulator.url);
    const free = await makeUser(t.db, "Free Rider");
    expect((await call(patchSubscription, { method: "PATCH", cookie: free.cookie, body: { cancelAtPeriodEnd: true } })).status).toBe(409);
  });

  it("divergences: signed out or a customer → 404 (the console does not exist for them); a platform admin (ADMIN_EMAILS) → 200 with the open finding of 1,000 vs 1,500", async () => {
    const someone = await makeUser(t.db);
    const admin = await makeUser(t.db, "Ada Admin");
    process.env.ADMIN_EMAILS = admin.user.email;
    resetEnvForTests();
    await t.db.insert(billingDivergences).values({ id: "div_test", accountId: someone.personalAccountId, customerId: "cus_x", periodStart: new Date(0), periodEnd: new Date(1000), ledgerCredits: 1_000, stripeCredits: 1_500, divergenceBps: 5_000 });
    try {
      expect((await call(divergences, {})).status).toBe(404);
      expect((await call(divergences, { cookie: someone.cookie })).status).toBe(404);
      const r = await call(divergences, { cookie: admin.cookie });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { data: { ledgerCredits: number; stripeCredits: number }[] };
      expect(body.data.map((d) => [d.ledgerCredits, d.stripeCredits])).toEqual([[1_000, 1_500]]);
    } finally {
      delete process.env.ADMIN_EMAILS;
      resetEnvForTests();
    }
  });
});
