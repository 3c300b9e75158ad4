/**
 * Crash semantics of the ledger's commits (see chargesCredits in ./holds.ts), proved by crashing
 * a real Postgres (immediate shutdown: SIGQUIT to the postmaster, then crash recovery on restart):
 *  1. a reserve answers before its WAL is flushed: crash right after it and the hold is gone,
 *     with nothing held and the books balanced;
 *  2. a capture is durable when it answers, and so is the hold it captured (WAL is flushed in
 *     order): the receipt, the captured hold and the charge survive the crash;
 *  3. a release answers before its flush: crash right after it and the hold is back as 'held',
 *     books balanced, and the sweeper releases it once expired. (The hold itself survives
 *     because a later capture of another request flushed the WAL past it.)
 * It fails if reserves or releases become synchronous (1, 3) or captures asynchronous (2).
 *
 * Why the outcome is deterministic: an asynchronous commit stays in the WAL buffers (shared
 * memory, lost in the crash) until someone writes them out. Normally the WAL writer does so
 * within wal_writer_delay (200 ms); at 10 s it does not in the few milliseconds between a call's
 * answer and the crash. Autovacuum and the background writer could write WAL out too (a page
 * written out needs its WAL flushed first), so both are off. Everything before each scenario's
 * calls is committed synchronously. The server runs in its own data directory: crashing the
 * shared test server would break every other test file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "@/db/client";
import { runMigrations } from "@/db/migrate";
import { capture, checkLedgerInvariants, getBalance, release, reserve, sweepStaleHolds } from "@/lib/ledger";
import { give, makeLedgerAccount, rid, usage } from "@/tests/helpers/ledger";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPg } from "@/tools/embedded-postgres";
import { freePort } from "@/tools/free-port";
import { chargesCredits } from "./holds";

const DATABASE = "durability";

let dataDir = "";
let port = 0;
let pg: EmbeddedPg | undefined;
let postmasterPid = 0;
let handle: DbHandle | undefined;

function db() {
  if (!handle) throw new Error("no database connection");
  return handle.db;
}

function readPostmasterPid(): number {
  return Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(): Promise<void> {
  pg = await startEmbeddedPostgres({ dataDir, port });
  postmasterPid = readPostmasterPid();
  handle = createDb(pg.url(DATABASE));
}

/** Immediate shutdown (no checkpoint, no WAL write-out), then a restart that runs crash recovery. */
async function crashAndRestart(): Promise<void> {
  process.kill(postmasterPid, "SIGQUIT");
  const old = handle;
  handle = undefined;
  pg = undefined;
  // The postmaster exits once all its children have; node reaps it (it is our child) meanwhile.
  const deadline = Date.now() + 15_000;
  while (isRunning(postmasterPid)) {
    if (Date.now() > deadline) throw new Error(`postmaster ${postmasterPid} still running after SIGQUIT`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await old?.sql.end({ timeout: 0 });
  await start();
}

async function holdOf(accountId: string, requestId: string): Promise<{ status: string; credits: number } | undefined> {
  const rows = (await db().execute(
    sql`select status, credits::int as credits from holds where account_id = ${accountId} and request_id = ${requestId}`,
  )) as unknown as { status: string; credits: number }[];
  return rows[0];
}

/** A new ledger account holding 100 credits. */
async function accountWith100(): Promise<string> {
  const a = await makeLedgerAccount(db());
  await give(db(), a, 100);
  return a;
}

/** The account's balance after recovery (available = remaining − held), and every invariant holding. */
async function expectLedger(accountId: string, expected: { held: number; remaining: number }): Promise<void> {
  expect(await getBalance(db(), accountId)).toMatchObject({
    heldCredits: expected.held,
    remainingCredits: expected.remaining,
    availableCredits: expected.remaining - expected.held,
  });
  expect(await checkLedgerInvariants(db())).toEqual([]);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "meterline-durability-pg-"));
  port = await freePort();
  await start(); // the pool connects lazily, after the database exists
  await ensureDatabase(pg!.url("postgres"), DATABASE);
  await runMigrations(pg!.url(DATABASE));
  const admin = handle!.sql;
  await admin.unsafe("alter system set wal_writer_delay = '10s'");
  await admin.unsafe("alter system set autovacuum = off");
  await admin.unsafe("alter system set bgwriter_lru_maxpages = 0");
  await admin`select pg_reload_conf()`;
  // The reload reaches the server's processes asynchronously; a new session sees it once applied.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [row] = await admin`select current_setting('wal_writer_delay') as w, current_setting('autovacuum') as a, current_setting('bgwriter_lru_maxpages') as b`;
    if (row!.w === "10s" && row!.a === "off" && row!.b === "0") break;
    if (Date.now() > deadline) throw new Error(`settings not applied: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Give the WAL writer its SIGHUP and the new delay before the first scenario.
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(async () => {
  try {
    await handle?.sql.end({ timeout: 0 });
    if (pg) await pg.stop();
    else if (postmasterPid && isRunning(postmasterPid)) process.kill(postmasterPid, "SIGQUIT");
  } finally {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("chargesCredits", () => {
  it("is true only for a call containing a capture", () => {
    expect(chargesCredits([{ ops: [{ o: "r" }, { o: "x" }] }, { ops: [{ o: "r" }] }])).toBe(false);
    expect(chargesCredits([{ ops: [{ o: "r" }] }, { ops: [{ o: "x" }, { o: "c" }] }])).toBe(true);
  });
});

describe("ledger commits across a Postgres crash", () => {
  it("reserve(A) answers, Postgres crashes at once → after recovery there is no hold for A and nothing held", async () => {
    const a = await accountWith100();
    const requestId = rid();
    const hold = await reserve(db(), { accountId: a, requestId, credits: 30 });
    await crashAndRestart();

    expect(hold.credits).toBe(30);
    expect(await holdOf(a, requestId), "the hold's commit was not flushed, so recovery must not replay it").toBeUndefined();
    await expectLedger(a, { held: 0, remaining: 100 });
  });

  it("reserve(B) then capture(B) answers, Postgres crashes at once → B's receipt, captured hold and charge survive", async () => {
    const a = await accountWith100();
    const requestId = rid();
    await reserve(db(), { accountId: a, requestId, credits: 30 });
    const receipt = await capture(db(), { accountId: a, requestId, credits: 20, usage: usage() });
    await crashAndRestart();

    expect(receipt.chargedCredits).toBe(20);
    const events = (await db().execute(
      sql`select charged_credits::int as charged, held_credits::int as held from usage_events where account_id = ${a} and request_id = ${requestId}`,
    )) as unknown as { charged: number; held: number }[];
    expect(events, "a capture is durable when it answers").toEqual([{ charged: 20, held: 30 }]);
    expect(await holdOf(a, requestId)).toEqual({ status: "captured", credits: 30 });
    await expectLedger(a, { held: 0, remaining: 80 });
  });

  it("reserve(C), capture of another request, release(C) answers, Postgres crashes at once → C is held again, balanced, and the sweeper releases it", async () => {
    const a = await accountWith100();
    const c = rid();
    const d = rid();
    await reserve(db(), { accountId: a, requestId: c, credits: 30 });
    // D's capture flushes the WAL up to itself, so C's earlier hold is durable from here on.
    await reserve(db(), { accountId: a, requestId: d, credits: 10 });
    await capture(db(), { accountId: a, requestId: d, credits: 10, usage: usage() });
    await release(db(), { accountId: a, requestId: c, reason: "upstream_error" });
    await crashAndRestart();

    expect(await holdOf(a, d)).toEqual({ status: "captured", credits: 10 });
    expect(await holdOf(a, c), "C's hold was made durable by D's capture; its release was not flushed").toEqual({ status: "held", credits: 30 });
    await expectLedger(a, { held: 30, remaining: 90 });

    // The forgotten release costs nothing: the sweeper releases the hold once it expires (600 s TTL).
    expect(await sweepStaleHolds(db(), new Date(Date.now() + 601_000))).toBe(1);
    expect((await holdOf(a, c))?.status).toBe("released");
    await expectLedger(a, { held: 0, remaining: 90 });
  });
});
