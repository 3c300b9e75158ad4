import type { Db } from "@/db/client";
import { getEnv } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { LedgerCombiner, type AccountOutcome, type OpResult } from "./combiner";
import { HotConnections } from "./hot-connections";
import { noticesFromJson, receiptFromJson } from "./receipts";
import { rawSql, type Json } from "./sql";
import type { CaptureInput, CaptureResult, Hold, RefusalCode, ReleaseInput, ReserveInput } from "./types";
import { assertCredits, assertNonEmpty } from "./validate";

/**
 * reserve / capture / release. Each call goes through the combiner (./combiner.ts) into one
 * ledger_apply() call (db/migrations/*_ledger_functions.sql): one round trip and one
 * transaction under the account's row lock, however many requests share it, on a recently used
 * connection (./hot-connections.ts).
 */
const DEFAULT_TTL_SECONDS = 600;
/** A hold outliving a day is a leak, not a request. */
const MAX_TTL_SECONDS = 86_400;

type ReserveItem = { r: string; h: string; c: number; t: number; m: Json | null; p?: number };
type CaptureItem = { r: string; c: number; u: Json };
type ReleaseItem = { r: string; why: string };
type Result = OpResult;

/**
 * How many ledger_apply calls one process keeps in flight, each on a disjoint set of accounts:
 * LEDGER_MAX_INFLIGHT (default 2), never more than half the pool. Fewer calls in flight means
 * larger batches, and a batch costs Postgres far less per op than a call per op: one transaction,
 * one lock pass, one run of each statement. Measured on this project's 2-core machine with 2, 4 and
 * 8 interleaved on one stack: Postgres CPU per gateway request at 32 clients 0.64–0.78 ms (2) vs
 * 0.85–0.97 (4) vs 1.06–1.35 (8), and more requests/s; bench:ledger's 100 accounts at 32 clients
 * 2,032–2,183 pairs/s (2) vs 1,891–1,950 (8); the same latency at 1 client. A call never waits for
 * a lock in its slot (an account locked elsewhere is retried off the slot, ./combiner.ts), only
 * for Postgres's CPU and its commit's flush. The calls run on at most this many connections of
 * their own (./hot-connections.ts), on top of the pool; when those are busy, on the pool.
 */
export function inflightFor(poolMax: number, configured = getEnv().LEDGER_MAX_INFLIGHT): number {
  return Math.max(1, Math.min(configured, Math.floor(poolMax / 2)));
}
const combiners = new WeakMap<Db, LedgerCombiner>();

/**
 * Whether a ledger_apply call must wait for its WAL flush before answering: only when it charges
 * (a capture). Holds and releases commit without waiting (synchronous_commit off for that
 * transaction only). Why that loses nothing: a hold is a guard while the database runs, enforced
 * by the account's row lock and visibility, which an unflushed commit already has. If Postgres
 * crashes before the flush, the hold is forgotten, but the request it guards cannot be captured
 * without the database either, so it is charged nothing — the same outcome as a durable hold the
 * sweeper later releases. A capture is durable before it answers, and since WAL is flushed in
 * order, it makes the hold before it durable too. A forgotten release only leaves a hold for the
 * sweeper. Measured: −0.3 ms on the gateway's added p50 at 1 client (interleaved A/B on one
 * stack: one fdatasync off the path before the upstream call). Proved by ./durability.test.ts,
 * which crashes Postgres right after each kind of call.
 */
export function chargesCredits(batches: { ops: { o: string }[] }[]): boolean {
  return batches.some((b) => b.ops.some((op) => op.o === "c"));
}

function combiner(db: Db): LedgerCombiner {
  let c = combiners.get(db);
  if (!c) {
    const sql = rawSql(db);
    const maxInflight = inflightFor(sql.options.max);
    const connections = new HotConnections(sql, maxInflight);
    const created = new LedgerCombiner(
      (batches, wait) =>
        connections.run(async (conn) => {
          // drizzle's serializer passes jsonb text through; conn shares the pool's options.
          const json = JSON.stringify(batches);
          const [row] = chargesCredits(batches)
            ? await conn`select ledger_apply(${json}::jsonb, ${wait}) as r`
            : await conn`select set_config('synchronous_commit', 'off', true), ledger_apply(${json}::jsonb, ${wait}) as r`;
          return (row as { r: AccountOutcome[] }).r;
        }),
      { maxInflight, maxOpsPerCall: 256 },
    );
    combiners.set(db, created);
    c = created;
  }
  return c;
}

const submitReserve = (db: Db, accountId: string, i: ReserveItem) => combiner(db).submit(accountId, { o: "r", i });
const submitCapture = (db: Db, accountId: string, i: CaptureItem) => combiner(db).submit(accountId, { o: "c", i });
const submitRelease = (db: Db, accountId: string, i: ReleaseItem) => combiner(db).submit(accountId, { o: "x", i });

const refusalMessages: Record<RefusalCode, string> = {
  insufficient_credits: "Not enough credits for this request",
  hard_limit_reached: "This request would exceed the account's overage hard limit for this period",
  overage_blocked: "Overage is blocked on this account and its credits are used up",
  account_frozen: "This account is frozen",
};

function failure(result: Result, accountId: string, requestId: string): AppError {
  const code = result.err ?? "internal";
  if (code in refusalMessages) {
    const details: Json = { ...result };
    delete details.r;
    delete details.ok;
    delete details.err;
    return new AppError(code as RefusalCode, refusalMessages[code as RefusalCode], { details: { accountId, ...details } });
  }
  if (code === "not_found") return new AppError("not_found", result.account ? `No ledger for account ${accountId}` : `No hold for request ${requestId}`);
  if (code === "conflict") return new AppError("conflict", `Request ${requestId} is already ${String(result.status)}`, { details: { status: result.status } });
  return new AppError("internal", `Ledger error ${code}`);
}

/** Places a hold over grants in burn order, then overage room. Idempotent by requestId while held. */
export async function reserve(db: Db, input: ReserveInput): Promise<Hold> {
  const res = await submitReserve(db, input.accountId, reserveItem(input));
  if (!res.ok) throw failure(res, input.accountId, input.requestId);
  return holdFrom(res, input.requestId);
}

/**
 * A hold placed ahead of demand (the gateway's hold pool, lib/gateway/hold-pool.ts): a normal hold
 * in every respect — captured, released and swept like any other, marked `pool` in its meta —
 * except that the ledger places it only whole from grants (never overage) and only while at least
 * `keepAvailableCredits` of grants stay available after it (migration 0006). Returns null, writing
 * nothing, when the ledger declines or refuses it (frozen, too little balance): the request that
 * would have used it then holds for itself and gets the ledger's answer first-hand.
 */
export async function reserveAhead(db: Db, input: ReserveInput & { keepAvailableCredits: number }): Promise<Hold | null> {
  assertCredits(input.keepAvailableCredits, "keepAvailableCredits");
  const item = reserveItem({ ...input, meta: { ...input.meta, pool: "gateway" } });
  const res = await submitReserve(db, input.accountId, { ...item, p: input.keepAvailableCredits });
  return res.ok ? holdFrom(res, input.requestId) : null;
}

function reserveItem(input: ReserveInput): ReserveItem {
  assertNonEmpty(input.accountId, "accountId");
  assertNonEmpty(input.requestId, "requestId");
  assertCredits(input.credits, "credits");
  const ttl = input.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw new AppError("invalid_input", `ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  const meta = input.meta;
  const m = meta ? { ...meta, userId: meta.userId ?? null, apiKeyId: meta.apiKeyId ?? null, action: meta.action ?? null, model: meta.model ?? null } : null;
  return { r: input.requestId, h: newId("hold"), c: input.credits, t: ttl, m };
}

function holdFrom(res: Result, requestId: string): Hold {
  return { requestId, holdId: res.h as string, credits: res.c as number, fromGrantsCredits: res.gc as number, overageCredits: res.oc as number, expiresAt: new Date(res.e as string) };
}

/**
 * Charges min(credits, held) and releases the rest, writing receipt, journal, rollup, outbox and
 * notices in the same transaction. Capturing an already captured request returns its receipt.
 */
export async function capture(db: Db, input: CaptureInput): Promise<CaptureResult> {
  assertNonEmpty(input.accountId, "accountId");
  assertNonEmpty(input.requestId, "requestId");
  assertCredits(input.credits, "credits");
  const u = input.usage;
  assertNonEmpty(u.model, "usage.model");
  for (const [k, v] of [["inputTokens", u.inputTokens], ["outputTokens", u.outputTokens], ["cachedTokens", u.cachedTokens ?? 0]] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 2_147_483_647) throw new AppError("invalid_input", `usage.${k} must be a non-negative integer`);
  }
  const usage: Json = {
    model: u.model,
    action: u.action ?? null,
    it: u.inputTokens,
    ot: u.outputTokens,
    ct: u.cachedTokens ?? 0,
    ch: u.cacheHit ?? false,
    st: u.status ?? "succeeded",
    lat: u.latencyMs === undefined ? null : Math.round(u.latencyMs),
    uid: u.userId ?? null,
    kid: u.apiKeyId ?? null,
  };
  const res = await submitCapture(db, input.accountId, { r: input.requestId, c: input.credits, u: usage });
  if (!res.ok) throw failure(res, input.accountId, input.requestId);
  return { ...receiptFromJson(res.receipt), notices: noticesFromJson(res.notices) };
}

/** Returns every held credit. No-op if unknown or already released; conflict if captured. */
export async function release(db: Db, input: ReleaseInput): Promise<void> {
  assertNonEmpty(input.accountId, "accountId");
  assertNonEmpty(input.requestId, "requestId");
  const res = await submitRelease(db, input.accountId, { r: input.requestId, why: input.reason });
  if (!res.ok) throw failure(res, input.accountId, input.requestId);
}
