import { beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { call, makeUser } from "@/tests/helpers/fixtures";
import { accounts, auditLog, ledgerEntries } from "@/db/schema";
import { resetEnvForTests } from "@/lib/config/env";
import { getBalance } from "@/lib/ledger";
import { SESSION_COOKIE } from "@/lib/auth/local/sessions";
import { createApiKey } from "@/lib/api-keys/keys";

// Server actions read the session through next/headers; here it is the cookie of `session.token`.
const session = { token: undefined as string | undefined };
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === SESSION_COOKIE && session.token ? { name, value: session.token } : undefined) }),
  headers: async () => new Headers(),
}));

const customersRoute = await import("@/app/api/admin/customers/route");
const customerRoute = await import("@/app/api/admin/customers/[id]/route");
const creditsRoute = await import("@/app/api/admin/customers/[id]/credits/route");
const limitsRoute = await import("@/app/api/admin/customers/[id]/limits/route");
const statusRoute = await import("@/app/api/admin/customers/[id]/status/route");
const resetRoute = await import("@/app/api/admin/customers/[id]/breaker/reset/route");
const invoiceCreditRoute = await import("@/app/api/admin/customers/[id]/invoice-credit/route");
const overviewRoute = await import("@/app/api/admin/overview/route");
const mailRoute = await import("@/app/api/admin/mail/route");
const divergencesRoute = await import("@/app/api/admin/billing/divergences/route");
const overviewPage = await import("@/app/admin/page");
const customersPage = await import("@/app/admin/customers/page");
const customerPage = await import("@/app/admin/customers/[id]/page");
const mailPage = await import("@/app/admin/mail/page");
const adminLayout = await import("@/app/admin/layout");
const actions = await import("@/app/admin/customers/[id]/actions");

let t: TestDb;
let admin: Awaited<ReturnType<typeof makeUser>>;
let customer: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let customerKey: string;

beforeAll(async () => {
  t = await createTestDb();
  admin = await makeUser(t.db, "Olga Operator");
  process.env.ADMIN_EMAILS = admin.user.email;
  resetEnvForTests();
  customer = await makeUser(t.db, "Carl Customer");
  stranger = await makeUser(t.db, "Sam Stranger");
  customerKey = (await createApiKey(t.db, { accountId: customer.personalAccountId, userId: customer.user.id, role: "owner", via: "session" }, "k")).secret;
});

type Route = { name: string; handler: (req: Request, route?: { params: Promise<Record<string, string>> }) => Promise<Response>; method: "GET" | "POST"; body?: unknown; admin2xx: number };
const routes = (): Route[] => [
  { name: "GET /api/admin/customers", handler: customersRoute.GET as Route["handler"], method: "GET", admin2xx: 200 },
  { name: "GET /api/admin/customers/:id", handler: customerRoute.GET as Route["handler"], method: "GET", admin2xx: 200 },
  { name: "POST …/credits", handler: creditsRoute.POST as Route["handler"], method: "POST", body: { credits: 5, reason: "authz test", idempotencyKey: "authz-test-key" }, admin2xx: 200 },
  { name: "POST …/limits", handler: limitsRoute.POST as Route["handler"], method: "POST", body: { softLimitCredits: 1000, reason: "authz test" }, admin2xx: 200 },
  { name: "POST …/status", handler: statusRoute.POST as Route["handler"], method: "POST", body: { status: "active", reason: "authz test" }, admin2xx: 200 },
  { name: "POST …/breaker/reset", handler: resetRoute.POST as Route["handler"], method: "POST", body: { reason: "authz test" }, admin2xx: 200 },
  // Valid input would reach Stripe; an invalid one proves the caller got past authorization (422, not 404).
  { name: "POST …/invoice-credit", handler: invoiceCreditRoute.POST as Route["handler"], method: "POST", body: { invoiceId: "", amountCents: 0, reason: "x" }, admin2xx: 422 },
  { name: "GET /api/admin/overview", handler: overviewRoute.GET as Route["handler"], method: "GET", admin2xx: 200 },
  { name: "GET /api/admin/mail", handler: mailRoute.GET as Route["handler"], method: "GET", admin2xx: 200 },
  { name: "GET /api/admin/billing/divergences", handler: divergencesRoute.GET as Route["handler"], method: "GET", admin2xx: 200 },
];

const hit = (r: Route, auth: { cookie?: string; bearer?: string }) =>
  call(r.handler, { method: r.method, body: r.body, params: { id: customer.personalAccountId }, ...auth });

describe("every admin route: 404 for anyone but a platform admin", () => {
  it.each(routes().map((r) => [r.name, r] as const))("%s", async (_name, r) => {
    const signedOut = await hit(r, {});
    const owner = await hit(r, { cookie: customer.cookie }); // the customer's own owner is not a platform admin
    const other = await hit(r, { cookie: stranger.cookie });
    const apiKey = await hit(r, { bearer: customerKey });
    for (const res of [signedOut, owner, other, apiKey]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "Not found" } });
    }
    const ok = await hit(r, { cookie: admin.cookie });
    expect(ok.status).toBe(r.admin2xx);
  });

  it("refused calls change nothing: no grant, no freeze, no audit row from a non-admin", async () => {
    const before = (await getBalance(t.db, stranger.personalAccountId)).availableCredits;
    await call(creditsRoute.POST as Route["handler"], { method: "POST", cookie: stranger.cookie, params: { id: stranger.personalAccountId }, body: { credits: 1_000_000, reason: "give me money" } });
    await call(statusRoute.POST as Route["handler"], { method: "POST", cookie: stranger.cookie, params: { id: customer.personalAccountId }, body: { status: "frozen", reason: "grief" } });
    expect((await getBalance(t.db, stranger.personalAccountId)).availableCredits).toBe(before);
    const [acc] = await t.db.select().from(accounts).where(eq(accounts.id, customer.personalAccountId));
    expect(acc!.status).toBe("active");
    expect(await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, stranger.user.id))).toEqual([]);
  });
});

describe("every console server action: 404 (notFound) for anyone but a platform admin", () => {
  const forms = (): [string, (prev: null, f: FormData) => Promise<unknown>, Record<string, string>][] => [
    ["adjustCreditsAction", actions.adjustCreditsAction, { credits: "7", reason: "action test", idempotencyKey: "action-test-key" }],
    ["setLimitsAction", actions.setLimitsAction, { softLimitCredits: "2000", hardLimit: "", blockOverage: "off", reason: "action test" }],
    ["setStatusAction", actions.setStatusAction, { status: "active", reason: "action test" }],
    ["resetBreakerAction", actions.resetBreakerAction, { reason: "action test" }],
    ["invoiceCreditAction", actions.invoiceCreditAction, { invoiceId: "", amountCents: "0", reason: "x" }],
  ];
  const form = (fields: Record<string, string>) => {
    const f = new FormData();
    f.set("accountId", customer.personalAccountId);
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    return f;
  };
  const token = (cookie: string) => cookie.split("=")[1];

  it.each(forms().map(([name, fn, fields]) => [name, fn, fields] as const))("%s", async (name, fn, fields) => {
    for (const who of [undefined, token(customer.cookie), token(stranger.cookie)]) {
      session.token = who;
      await expect(fn(null, form(fields))).rejects.toMatchObject({ digest: expect.stringMatching(/NEXT_HTTP_ERROR_FALLBACK;404/) });
    }
    session.token = token(admin.cookie);
    const result = (await fn(null, form(fields))) as { ok: boolean; fieldErrors?: unknown };
    if (name === "invoiceCreditAction") expect(result).toMatchObject({ ok: false, fieldErrors: expect.anything() }); // past authz, stopped by validation
    else expect(result).toMatchObject({ ok: true });
  });
});

describe("every console page and the layout: 404 (notFound) for anyone but a platform admin", () => {
  const pages = (): [string, () => Promise<unknown>][] => [
    ["/admin (layout)", () => adminLayout.default({ children: null })],
    ["/admin", () => overviewPage.default()],
    ["/admin/customers", () => customersPage.default({ searchParams: Promise.resolve({ q: "" }) })],
    ["/admin/customers/:id", () => customerPage.default({ params: Promise.resolve({ id: customer.personalAccountId }) })],
    ["/admin/mail", () => mailPage.default()],
  ];
  it.each(pages())("%s", async (_name, render) => {
    for (const who of [undefined, customer.cookie.split("=")[1], stranger.cookie.split("=")[1]]) {
      session.token = who;
      await expect(render()).rejects.toMatchObject({ digest: expect.stringMatching(/NEXT_HTTP_ERROR_FALLBACK;404/) });
    }
    session.token = admin.cookie.split("=")[1];
    await expect(render()).resolves.toBeTruthy();
  });
});

describe("admin grant/deduct is idempotent by the form's key", () => {
  it("the same key submitted twice (double click) and posted twice concurrently → +5,000 once, one journal entry, one audit row", async () => {
    const u = await makeUser(t.db, "Ida Idempotent");
    const before = (await getBalance(t.db, u.personalAccountId)).availableCredits;
    const f = new FormData();
    f.set("accountId", u.personalAccountId);
    f.set("credits", "5000");
    f.set("reason", "goodwill");
    f.set("idempotencyKey", "form-render-key-1");
    session.token = admin.cookie.split("=")[1];
    const results = await Promise.all([actions.adjustCreditsAction(null as never, f), actions.adjustCreditsAction(null as never, f)]);
    expect(results.map((r) => (r as { ok: boolean }).ok)).toEqual([true, true]);
    const post = () => call(creditsRoute.POST as Route["handler"], { method: "POST", cookie: admin.cookie, params: { id: u.personalAccountId }, body: { credits: 5_000, reason: "goodwill", idempotencyKey: "form-render-key-1" } });
    expect((await Promise.all([post(), post()])).map((r) => r.status)).toEqual([200, 200]);
    expect((await getBalance(t.db, u.personalAccountId)).availableCredits).toBe(before + 5_000);
    const journal = await t.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, u.personalAccountId), eq(ledgerEntries.reason, "goodwill")));
    expect(journal).toHaveLength(1);
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, u.personalAccountId), eq(auditLog.action, "admin.credits_granted")));
    expect(audit).toHaveLength(1);
  });

  it("deduct 2,000 twice with one key → −2,000 once, one audit row; a new key → another −2,000", async () => {
    const u = await makeUser(t.db, "Dee Deducted");
    const before = (await getBalance(t.db, u.personalAccountId)).availableCredits;
    const post = (key: string) => call(creditsRoute.POST as Route["handler"], { method: "POST", cookie: admin.cookie, params: { id: u.personalAccountId }, body: { credits: -2_000, reason: "clawback", idempotencyKey: key } });
    await Promise.all([post("deduct-key-1"), post("deduct-key-1")]);
    expect((await getBalance(t.db, u.personalAccountId)).availableCredits).toBe(before - 2_000);
    await post("deduct-key-2");
    expect((await getBalance(t.db, u.personalAccountId)).availableCredits).toBe(before - 4_000);
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, u.personalAccountId), eq(auditLog.action, "admin.credits_deducted")));
    expect(audit).toHaveLength(2);
  });
});

describe("admin actions do what they say, with the reason in the journal and the audit log", () => {
  it("grant 5,000 then deduct 2,000 → +3,000 available; journal entries carry the reasons; audit rows name the admin", async () => {
    const u = await makeUser(t.db, "Grace Granted");
    const before = (await getBalance(t.db, u.personalAccountId)).availableCredits;
    const post = (body: unknown) => call(creditsRoute.POST as Route["handler"], { method: "POST", cookie: admin.cookie, params: { id: u.personalAccountId }, body });
    expect((await post({ credits: 5_000, reason: "apology for the outage" })).status).toBe(200);
    expect((await post({ credits: -2_000, reason: "duplicate goodwill" })).status).toBe(200);
    expect((await post({ credits: 10, reason: "" })).status).toBe(422); // a reason is required
    expect((await getBalance(t.db, u.personalAccountId)).availableCredits).toBe(before + 3_000);
    const journal = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, u.personalAccountId));
    expect(journal.map((e) => e.reason)).toEqual(expect.arrayContaining(["apology for the outage", "duplicate goodwill"]));
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, u.personalAccountId), eq(auditLog.actorUserId, admin.user.id)));
    expect(audit.map((a) => [a.action, a.reason])).toEqual(expect.arrayContaining([["admin.credits_granted", "apology for the outage"], ["admin.credits_deducted", "duplicate goodwill"]]));
  });

  it("freeze → the customer's API key gets 403 account_frozen; unfreeze → allowed again; search finds the customer by email", async () => {
    const u = await makeUser(t.db, "Fred Frozen");
    const post = (body: unknown) => call(statusRoute.POST as Route["handler"], { method: "POST", cookie: admin.cookie, params: { id: u.personalAccountId }, body });
    expect((await post({ status: "frozen", reason: "chargeback investigation" })).status).toBe(200);
    const [frozen] = await t.db.select().from(accounts).where(eq(accounts.id, u.personalAccountId));
    expect(frozen).toMatchObject({ status: "frozen", statusReason: "Frozen by the platform: chargeback investigation" });
    expect((await post({ status: "active", reason: "resolved" })).status).toBe(200);
    const found = await (await call(customersRoute.GET as Route["handler"], { cookie: admin.cookie, path: `/api/admin/customers?q=${encodeURIComponent(u.user.email)}` })).json();
    expect(found.customers.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[u.personalAccountId, "active"]]);
  });
});
