import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "@/db/client";
import { createTestDb, type TestDb } from "@/tests/db";
import { expectBooksBalance, give, makeLedgerAccount, rid, setLedgerFlags, usage } from "@/tests/helpers/ledger";
import { capture, getBalance, release, reserve } from "@/lib/ledger";
import type { AppError } from "@/lib/errors";

/**
 * On a real Postgres. "Instances" are separate connection pools, each with its own in-process
 * combiner, so they race on the account's row lock like separate app servers would.
 */
let t: TestDb;
const instances: DbHandle[] = [];
beforeAll(async () => {
  t = await createTestDb({ max: 20 });
  for (let i = 0; i < 4; i++) instances.push(createDb(t.url, { max: 5 }));
});
afterAll(async () => {
  await Promise.all(instances.map((h) => h.sql.end({ timeout: 1 })));
});

async function settle<T>(ps: Promise<T>[]) {
  const rs = await Promise.allSettled(ps);
  const ok = rs.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<T>).value);
  const errors = rs.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as AppError);
  return { ok, errors };
}

describe("200 concurrent reserves of 1 credit", () => {
  it("balance 10, no overage, one process → exactly 10 succeed, 190 insufficient_credits", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    const { ok, errors } = await settle(Array.from({ length: 200 }, () => reserve(t.db, { accountId: a, requestId: rid(), credits: 1 })));
    expect(ok).toHaveLength(10);
    expect(errors.map((e) => e.code)).toEqual(Array(190).fill("insufficient_credits"));
    expect(await getBalance(t.db, a)).toMatchObject({ availableCredits: 0, heldCredits: 10 });
    await expectBooksBalance(t.db);
  });

  it("balance 10, no overage, 4 instances racing on the row lock → exactly 10 succeed", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    const { ok, errors } = await settle(Array.from({ length: 200 }, (_, i) => reserve(instances[i % 4]!.db, { accountId: a, requestId: rid(), credits: 1 })));
    expect(ok).toHaveLength(10);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["insufficient_credits"]));
    await expectBooksBalance(t.db);
  });

  it("balance 10 + overage with hard limit 50, 4 instances → exactly 60 succeed, overage held 50 (never past the limit); captures keep it at 50", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 10);
    await setLedgerFlags(t.db, a, { hardLimit: 50, hardLimitUnit: "credits" });
    const ids = Array.from({ length: 200 }, () => rid());
    const { ok, errors } = await settle(ids.map((r, i) => reserve(instances[i % 4]!.db, { accountId: a, requestId: r, credits: 1 })));
    expect(ok).toHaveLength(60);
    expect(ok.reduce((s, h) => s + h.overageCredits, 0)).toBe(50);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["hard_limit_reached"]));
    expect((await getBalance(t.db, a)).overage).toMatchObject({ heldCredits: 50, usedCredits: 0 });
    await Promise.all(ok.map((h, i) => capture(instances[i % 4]!.db, { accountId: a, requestId: h.requestId, credits: 1, usage: usage() })));
    expect((await getBalance(t.db, a)).overage).toMatchObject({ heldCredits: 0, usedCredits: 50 });
    const [o] = (await t.db.execute(sql`select coalesce(sum(credits), 0)::int as n from meter_outbox where account_id = ${a}`)) as unknown as { n: number }[];
    expect(o!.n).toBe(50);
    await expectBooksBalance(t.db);
  });

  it("200 concurrent reserve → capture/release cycles of 1 on balance 50 across 4 instances → never more than 50 held, books balance", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 50);
    let charged = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const db = instances[i % 4]!.db;
        const r = rid();
        try {
          await reserve(db, { accountId: a, requestId: r, credits: 1 });
        } catch {
          return;
        }
        if (i % 3 === 0) await release(db, { accountId: a, requestId: r, reason: "test" });
        else {
          await capture(db, { accountId: a, requestId: r, credits: 1, usage: usage() });
          charged++;
        }
      }),
    );
    const b = await getBalance(t.db, a);
    expect(b.heldCredits).toBe(0);
    expect(b.availableCredits).toBe(50 - charged);
    // "Never more than 50 held", measured: replay the account's journal in order (entries are
    // written under the account's row lock, so id order is commit order) and take the running
    // held and remaining after every entry.
    const [j] = (await t.db.execute(sql`
      with run as (
        select sum(held_delta) over w as held, sum(remaining_delta) over w as remaining
          from ledger_entries where account_id = ${a} window w as (order by id rows unbounded preceding))
      select max(held)::int as peak_held, count(*) filter (where held > remaining)::int as overdrawn, count(*)::int as entries from run`)) as unknown as { peak_held: number; overdrawn: number; entries: number }[];
    expect(j!.peak_held).toBeLessThanOrEqual(50);
    expect(j!.overdrawn).toBe(0);
    // 200 reserves race at once: the peak is many credits held together, not one at a time.
    expect(j!.peak_held).toBeGreaterThan(1);
    await expectBooksBalance(t.db);
  });
});

describe("accounts never block each other", () => {
  it("account A's row locked by another transaction for 1.5 s: B's reserve+capture (same tick, same batch as A's) finish while A waits", async () => {
    const a = await makeLedgerAccount(t.db);
    const b = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    await give(t.db, b, 100);
    const blocker = createDb(t.url, { max: 1 });
    let unlock!: () => void;
    const locked = new Promise<void>((resolve) => {
      void blocker.sql.begin(async (tx) => {
        await tx`select 1 from account_ledger where account_id = ${a} for update`;
        resolve();
        await new Promise<void>((r) => (unlock = r));
      });
    });
    await locked;
    const started = Date.now();
    let aDoneAt = 0;
    const aWork = reserve(t.db, { accountId: a, requestId: rid(), credits: 5 }).then(() => (aDoneAt = Date.now()));
    const rb = rid();
    await reserve(t.db, { accountId: b, requestId: rb, credits: 5 });
    await capture(t.db, { accountId: b, requestId: rb, credits: 5, usage: usage() });
    const bDoneAt = Date.now();
    expect(bDoneAt - started).toBeLessThan(1000);
    expect(aDoneAt).toBe(0);
    setTimeout(() => unlock(), 1500 - (Date.now() - started));
    await aWork;
    expect(aDoneAt - started).toBeGreaterThanOrEqual(1400);
    await blocker.sql.end({ timeout: 1 });
    await expectBooksBalance(t.db);
  });

  it("64 clients cycling on A across 4 instances, then A locked elsewhere for 2 s: B keeps completing pairs (≥ 5) while A completes none", async () => {
    const a = await makeLedgerAccount(t.db);
    const b = await makeLedgerAccount(t.db);
    await give(t.db, a, 1_000_000);
    await give(t.db, b, 1_000);
    let stop = false;
    let aPairs = 0;
    const load = Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const db = instances[i % 4]!.db;
        while (!stop) {
          const r = rid();
          await reserve(db, { accountId: a, requestId: r, credits: 1 });
          await capture(db, { accountId: a, requestId: r, credits: 1, usage: usage() });
          aPairs++;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(aPairs).toBeGreaterThan(0);
    const blocker = createDb(t.url, { max: 1 });
    let unlock!: () => void;
    await new Promise<void>((resolve) => {
      void blocker.sql.begin(async (tx) => {
        await tx`select 1 from account_ledger where account_id = ${a} for update`;
        resolve();
        await new Promise<void>((r) => (unlock = r));
      });
    });
    await new Promise((r) => setTimeout(r, 200)); // let A's in-flight pairs run into the lock
    const aAtLock = aPairs;
    let bPairs = 0;
    const windowEnds = Date.now() + 1800;
    while (Date.now() < windowEnds) {
      const r = rid();
      await reserve(instances[bPairs % 4]!.db, { accountId: b, requestId: r, credits: 1 });
      await capture(instances[bPairs % 4]!.db, { accountId: b, requestId: r, credits: 1, usage: usage() });
      bPairs++;
    }
    const aDuringLock = aPairs - aAtLock;
    unlock();
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    await blocker.sql.end({ timeout: 1 });
    expect(aDuringLock).toBe(0);
    expect(bPairs).toBeGreaterThanOrEqual(5);
    expect(aPairs).toBeGreaterThan(aAtLock);
    expect((await getBalance(t.db, b)).availableCredits).toBe(1_000 - bPairs);
    await expectBooksBalance(t.db);
  });
});
