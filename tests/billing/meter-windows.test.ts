import { beforeAll, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeLedgerAccount } from "@/tests/helpers/ledger";
import { meterOutbox, meterReports } from "@/db/schema";
import { buildMeterReports } from "@/lib/billing/meter/build-reports";
import { capture, reserve, startPeriod } from "@/lib/ledger";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

let n = 0;
/** Captures `credits` of overage and places its capture at `at` (a frozen clock for the outbox row). */
async function overageAt(accountId: string, credits: number, at: Date) {
  const requestId = `req_win_${++n}`;
  await reserve(t.db, { accountId, requestId, credits });
  await capture(t.db, { accountId, requestId, credits, usage: { model: "mock-1", inputTokens: credits, outputTokens: 0 } });
  await t.db.execute(sql`update meter_outbox set created_at = ${at.toISOString()}::timestamptz where account_id = ${accountId} and request_id = ${requestId}`);
}

/** A Pro account with no credits (everything is overage) whose period ends 30 s into a clock minute. */
async function proWithPeriodEndingMidMinute(options: { rolledOver: boolean }) {
  const accountId = await makeLedgerAccount(t.db, { plan: "pro" });
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const end = new Date(minute + 30_000);
  const start = new Date(end.getTime() - 30 * 86_400_000);
  await startPeriod(t.db, accountId, { start, end });
  if (options.rolledOver) await startPeriod(t.db, accountId, { start: end, end: new Date(end.getTime() + 30 * 86_400_000) });
  // Spend the allowance grants so the captures below are overage.
  const requestId = `req_win_base_${++n}`;
  const hold = await reserve(t.db, { accountId, requestId, credits: 2_000_000 });
  await capture(t.db, { accountId, requestId, credits: hold.fromGrantsCredits, usage: { model: "mock-1", inputTokens: 1, outputTokens: 0 } });
  await t.db.delete(meterOutbox).where(eq(meterOutbox.accountId, accountId));
  return { accountId, end };
}

describe("meter windows never straddle a period end", () => {
  it.each([
    ["before the rollover (boundary = period_end)", false],
    ["after the rollover (boundary = period_start)", true],
  ])("%s: 700 at end − 20 s and 300 at end + 20 s, same clock minute → 2 reports: 700 stamped before the end, 300 at or after it", async (_name, rolledOver) => {
    const { accountId, end } = await proWithPeriodEndingMidMinute({ rolledOver: rolledOver as boolean });
    await overageAt(accountId, 700, new Date(end.getTime() - 20_000));
    await overageAt(accountId, 300, new Date(end.getTime() + 20_000));
    expect(await buildMeterReports(t.db, { accountId })).toBe(2);
    const reports = await t.db.select().from(meterReports).where(eq(meterReports.accountId, accountId)).orderBy(asc(meterReports.eventAt));
    expect(reports.map((r) => r.credits)).toEqual([700, 300]);
    expect(reports[0]!.eventAt.getTime()).toBeLessThan(end.getTime());
    expect(reports[1]!.eventAt.getTime()).toBeGreaterThanOrEqual(end.getTime());
  });

  it("400 + 600 inside one period and one minute → 1 report of 1,000", async () => {
    const { accountId, end } = await proWithPeriodEndingMidMinute({ rolledOver: false });
    await overageAt(accountId, 400, new Date(end.getTime() - 25_000));
    await overageAt(accountId, 600, new Date(end.getTime() - 5_000));
    expect(await buildMeterReports(t.db, { accountId })).toBe(1);
    const reports = await t.db.select().from(meterReports).where(eq(meterReports.accountId, accountId));
    expect(reports.map((r) => r.credits)).toEqual([1_000]);
  });
});
