import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { startSmtpSink } from "@/tests/helpers/smtp-sink";
import { startHttpReceiver } from "@/tests/helpers/http-receiver";
import { eventually, makeAccountWithExactly, makePayingAccount, rawCall, startGatewayRig } from "@/lib/gateway/test/harness";
import { emailOutbox, notificationDeliveries, notifications } from "@/db/schema";
import { resetEnvForTests } from "@/lib/config/env";
import { resetEmailTransportForTests } from "@/lib/email/send";
import { adjust, capture, reserve, setLimits, setPlan } from "@/lib/ledger";
import { afterCapture } from "@/lib/protection";
import { notifyAutoRechargeFailed, notifyPaymentFailed } from "@/lib/notifications/billing-events";
import { deliverDueNotifications, MAX_DELIVERY_ATTEMPTS, notify } from "@/lib/notifications";
import { resetBreakerForTests, resetProtectionConfigForTests } from "@/lib/protection";

let t: TestDb;
let slack: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  t = await createTestDb({ max: 20 });
  slack = await startHttpReceiver();
  await startGatewayRig({ NOTIFY_LOW_BALANCE_CREDITS: "5000", SLACK_WEBHOOK_URL: slack.url, ADMIN_EMAILS: "ops@platform.test", BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR: "10000000" });
  resetProtectionConfigForTests();
});
afterAll(() => slack.close());
beforeEach(() => resetBreakerForTests());

async function useSmtp(url: string | undefined) {
  if (url) process.env.SMTP_URL = url;
  else delete process.env.SMTP_URL;
  resetEnvForTests();
  resetEmailTransportForTests();
}

const ask = (content: string, tokens = 100) => ({ model: "standard", messages: [{ role: "user", content: `${content} [mock tokens=${tokens}]` }], max_tokens: 200 });
const deliveriesOf = (notificationId: string) => t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.notificationId, notificationId));

describe("notifications: one per threshold per period", () => {
  it("30 concurrent notify() calls for the same (account, kind, threshold, period) → 1 notification, 1 email per owner", async () => {
    await useSmtp(undefined);
    const a = await makePayingAccount(t.db, 0);
    const input = { accountId: a.accountId, kind: "soft_limit" as const, threshold: 500, periodKey: "2026-11-01T00:00:00.000Z", title: "Soft limit crossed", body: "x" };
    const results = await Promise.all(Array.from({ length: 30 }, () => notify(t.db, input)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await t.db.select().from(notifications).where(eq(notifications.accountId, a.accountId));
    expect(rows).toHaveLength(1);
    const d = await eventually(async () => {
      const ds = await deliveriesOf(rows[0]!.id);
      return ds.every((x) => x.status === "sent") ? ds : null;
    });
    expect(d).toHaveLength(1);
    // A new threshold or a new period is a new notification.
    expect((await notify(t.db, { ...input, threshold: 800 })).created).toBe(true);
    expect((await notify(t.db, { ...input, periodKey: "2026-12-01T00:00:00.000Z" })).created).toBe(true);
    expect((await notify(t.db, input)).created).toBe(false);
  });

  it("12 concurrent gateway requests crossing a 500-credit soft limit → one soft_limit notification, one email (SMTP), all 12 answered 200", async () => {
    const sink = await startSmtpSink();
    await useSmtp(sink.url);
    try {
      const a = await makePayingAccount(t.db, 100_000);
      await setLimits(t.db, a.owner, { softLimitCredits: 500 });
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => rawCall("/chat/completions", { apiKey: a.apiKey, body: ask(`topic ${"abcdefghijkl"[i]}`) })));
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
      await Promise.all(responses.map((r) => r.text()));
      const rows = await eventually(async () => {
        const r = await t.db.select().from(notifications).where(and(eq(notifications.accountId, a.accountId), eq(notifications.kind, "soft_limit")));
        return r.length ? r : null;
      });
      await new Promise((r) => setTimeout(r, 200)); // any late duplicate would have landed by now
      expect(await t.db.select().from(notifications).where(and(eq(notifications.accountId, a.accountId), eq(notifications.kind, "soft_limit")))).toHaveLength(1);
      expect(rows[0]!.threshold).toBe(500);
      await eventually(async () => (sink.received.some((m) => m.data.includes(a.accountId)) ? true : null));
      await new Promise((r) => setTimeout(r, 100));
      expect(sink.received.filter((m) => m.data.includes("Soft limit crossed") && m.data.includes(a.accountId))).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });

  it("low balance (below 5,000 available) fires once per period, however many requests follow", async () => {
    await useSmtp(undefined);
    const a = await makePayingAccount(t.db, 0); // the 100,000 signup credits
    // Spend down (a ledger adjustment) to 5,200 available, just above the threshold; the requests cross it.
    await adjust(t.db, { accountId: a.accountId, credits: -94_800, reason: "test: spend down", actorUserId: null, sourceRef: `spend-down-${a.accountId}` });
    for (let i = 0; i < 4; i++) {
      resetBreakerForTests(); // no 10 s throttle between checks, so each request re-checks
      const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: ask(`spend ${"abcd"[i]}`, 150) });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await eventually(async () => {
      const r = await t.db.select().from(notifications).where(and(eq(notifications.accountId, a.accountId), eq(notifications.kind, "low_balance")));
      return r.length ? r : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.body).toMatch(/below 5,000/);
  });
});

describe("once per threshold per period, for each kind, under concurrency", () => {
  const kindRows = (accountId: string, kind: "hard_limit" | "payment_failed" | "auto_recharge_failed") =>
    t.db.select().from(notifications).where(and(eq(notifications.accountId, accountId), eq(notifications.kind, kind)));
  const settled = () => new Promise((r) => setTimeout(r, 300)); // background notifies have landed

  it("hard limit 500 overage credits: 8 concurrent requests of 100 overage each → 5 captured, the one reaching 500 raises hard_limit → 1 notification; a second burst adds none", async () => {
    await useSmtp(undefined);
    const a = await makeAccountWithExactly(t.db, 0);
    await setPlan(t.db, a.accountId, "pro");
    await setLimits(t.db, a.owner, { hardLimit: 500 });
    let seq = 0;
    const one = async () => {
      const requestId = `req_hl_${a.accountId}_${++seq}`;
      try {
        await reserve(t.db, { accountId: a.accountId, requestId, credits: 100 });
      } catch {
        return 0;
      }
      const receipt = await capture(t.db, { accountId: a.accountId, requestId, credits: 100, usage: { model: "standard", inputTokens: 100, outputTokens: 0 } });
      afterCapture(t.db, receipt); // the gateway's protection hook
      return receipt.overageCredits;
    };
    const charged = await Promise.all(Array.from({ length: 8 }, one));
    expect(charged.reduce((x, y) => x + y, 0)).toBe(500);
    await settled();
    await Promise.all(Array.from({ length: 4 }, one));
    await settled();
    const rows = await kindRows(a.accountId, "hard_limit");
    expect(rows.map((r) => r.threshold)).toEqual([500]);
  });

  it("payment_failed for one invoice raised 10 times concurrently (webhook retries, duplicates) → 1 notification; another invoice → a second", async () => {
    await useSmtp(undefined);
    const a = await makePayingAccount(t.db, 0);
    const input = { accountId: a.accountId, invoiceId: "in_dup_1", invoiceNumber: "INV-1", amountDueCents: 2_900, currency: "usd" };
    for (let i = 0; i < 10; i++) notifyPaymentFailed(t.db, input);
    await settled();
    expect(await kindRows(a.accountId, "payment_failed")).toHaveLength(1);
    notifyPaymentFailed(t.db, { ...input, invoiceId: "in_dup_2" });
    await settled();
    expect(await kindRows(a.accountId, "payment_failed")).toHaveLength(2);
  });

  it("auto_recharge_failed for one charge raised 10 times concurrently (sync decline + its webhook) → 1 notification", async () => {
    await useSmtp(undefined);
    const a = await makePayingAccount(t.db, 0);
    for (let i = 0; i < 10; i++) notifyAutoRechargeFailed(t.db, { accountId: a.accountId, reference: "pi_declined_1", message: "card declined" });
    await settled();
    expect(await kindRows(a.accountId, "auto_recharge_failed")).toHaveLength(1);
  });
});

describe("a failed channel is retried and never blocks a request", () => {
  it("SMTP rejects → the request still answers 200; the email is pending with the error; after the server recovers, the retry job sends it", async () => {
    const broken = await startSmtpSink({ failWith: "mailbox unavailable" });
    await useSmtp(broken.url);
    const a = await makePayingAccount(t.db, 100_000);
    await setLimits(t.db, a.owner, { softLimitCredits: 50 });
    const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: ask("cross it") });
    expect(res.status).toBe(200);
    const ntf = await eventually(async () => (await t.db.select().from(notifications).where(eq(notifications.accountId, a.accountId)))[0]);
    const failed = await eventually(async () => {
      const [d] = await deliveriesOf(ntf.id);
      return d && d.attempts === 1 && d.lastError ? d : null;
    });
    expect(failed).toMatchObject({ status: "pending", channel: "email" });
    expect(failed.lastError).toMatch(/SMTP delivery .* failed/);
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
    await broken.close();

    const good = await startSmtpSink();
    await useSmtp(good.url);
    try {
      expect((await deliverDueNotifications(t.db)).sent).toBe(0); // not due yet
      const r = await deliverDueNotifications(t.db, { now: new Date(Date.now() + 60_000) });
      expect(r.sent).toBeGreaterThanOrEqual(1);
      const [d] = await deliveriesOf(ntf.id);
      expect(d).toMatchObject({ status: "sent", attempts: 2 });
      expect(good.received.some((m) => m.data.includes("Soft limit crossed"))).toBe(true);
    } finally {
      await good.close();
    }
  });

  it("an SMTP server that accepts and never greets → the email attempt gives up in ~10 s (greeting timeout), inside the 60 s delivery claim, and is pending for a retry", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)); // accepts, then says nothing
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    await useSmtp(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    try {
      const a = await makePayingAccount(t.db, 0);
      const started = Date.now();
      const { notificationId } = await notify(t.db, { accountId: a.accountId, kind: "payment_failed", threshold: 0, periodKey: "silent_smtp", title: "Payment failed", body: "silent server" });
      const email = await eventually(async () => {
        const d = (await deliveriesOf(notificationId!)).find((x) => x.channel === "email" && x.lastError);
        return d ?? null;
      }, 20_000);
      const elapsed = Date.now() - started;
      expect(email.status).toBe("pending");
      expect(elapsed).toBeGreaterThanOrEqual(9_000);
      expect(elapsed).toBeLessThan(20_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await useSmtp(undefined);
    }
  }, 30_000);

  it(`Slack answering 500 is retried; after ${MAX_DELIVERY_ATTEMPTS} failed attempts the delivery is marked failed`, async () => {
    await useSmtp(undefined);
    const a = await makePayingAccount(t.db, 0);
    slack.failNext(1);
    const { notificationId } = await notify(t.db, { accountId: a.accountId, kind: "payment_failed", threshold: 0, periodKey: "in_test_1", title: "Payment failed", body: "card declined" });
    const slackDelivery = async () => (await deliveriesOf(notificationId!)).find((d) => d.channel === "slack")!;
    await eventually(async () => ((await slackDelivery()).lastError ? true : null)); // the first attempt has finished
    expect((await slackDelivery()).status).toBe("pending");
    await deliverDueNotifications(t.db, { now: new Date(Date.now() + 60_000) });
    expect((await slackDelivery()).status).toBe("sent");
    expect(slack.received.some((r) => JSON.stringify(r.json).includes("card declined"))).toBe(true);

    slack.failNext(100);
    const second = await notify(t.db, { accountId: a.accountId, kind: "payment_failed", threshold: 0, periodKey: "in_test_2", title: "Payment failed", body: "again" });
    await eventually(async () => ((await deliveriesOf(second.notificationId!)).find((d) => d.channel === "slack")!.lastError ? true : null));
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) await deliverDueNotifications(t.db, { now: new Date(Date.now() + i * 4 * 3_600_000) });
    const last = (await deliveriesOf(second.notificationId!)).find((d) => d.channel === "slack")!;
    expect(last).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS });
    slack.failNext(0);
    // In the sandbox (no SMTP) the email is recorded in the outbox, which counts as delivered.
    const outboxed = (await deliveriesOf(second.notificationId!)).filter((d) => d.channel === "email");
    expect(outboxed.every((d) => d.status === "sent")).toBe(true);
    expect((await t.db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, "ops@platform.test"))).some((m) => m.textBody.includes("again"))).toBe(true);
  });
});
