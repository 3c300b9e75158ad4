import type { Db } from "@/db/client";
import { onApiKeysForgotten } from "@/lib/api-keys/key-cache";
import { getGatewayConfig } from "@/lib/config/gateway";
import { newId } from "@/lib/ids";
import { release, reserveAhead, type Hold } from "@/lib/ledger";

/**
 * Holds placed ahead of demand, so a busy API key's request finds its hold already committed and
 * calls the upstream without waiting for a database round trip first.
 *
 * Why: at one request at a time the gateway without the ledger adds ≈ 0.3–0.5 ms; the hold before
 * the upstream call is the largest part of the rest (lib/gateway/README.md, "Where the 1-client time
 * goes"). The architecture's rule stands — the worst case is held, in the ledger, before the call —
 * only the hold was placed a moment earlier, by this process, for whichever of the key's requests
 * comes next. Each pooled hold is a normal hold (captured, released and swept like any other) whose
 * request id the request adopts: the receipt, `x-request-id` and the journal all carry that id.
 *
 * The rules that keep it safe:
 * - Only from grants, never the last of them: the ledger places a pooled hold only whole from grants
 *   and only while `keepAvailableMultiple × size` such holds' worth stays available after it
 *   (reserveAhead, migration 0006), under the account's row lock. Near the end of a balance, into
 *   overage, or under a hard limit, every request holds for itself exactly as without a pool.
 * - Only for busy keys: a lane places holds only when its key's last two requests came within
 *   `maxAgeMs`, so a hold placed now is likely used before it ages out; a key used now and then
 *   never pays for holds it does not use.
 * - Never stale: a hold older than `maxAgeMs` is not handed out but released. A freeze, a revoke or a
 *   breaker trip forgets the key (lib/api-keys/key-cache.ts, broadcast to other processes), and a
 *   forget releases that key's pooled holds at once; if the broadcast is lost, the refills are
 *   refused by the ledger (a frozen account gets no hold) and what is left ages out within `maxAgeMs`.
 * - Refilled in the same ledger call as the capture: the top-up is submitted in the same turn as the
 *   request's capture or release (Settlement's onSettleSubmitted), so the combiner sends both in one
 *   ledger_apply call: at one client, one call per request instead of two, and none before the
 *   upstream call.
 * - Released on shutdown (drainHoldPools) and on idle; a crash leaves them to the sweeper, whose
 *   TTL is the request's own plus `maxAgeMs`.
 */
export type LaneKey = { accountId: string; userId: string; apiKeyId: string; stream: boolean };

export type HoldPoolOptions = {
  /** Holds kept ahead per lane (key and kind). */
  size: number;
  maxAgeMs: number;
  keepAvailableMultiple: number;
  /** The TTL a request's own hold gets, per kind. */
  ttlSeconds: { json: number; stream: number };
  now?: () => number;
};

type Pooled = { hold: Hold; placedAt: number };
/** A hold being placed; a request that found the lane empty may claim it and wait for it. */
type Placing = { credits: number; claim: ((hold: Hold | null) => void) | null; landed?: Promise<unknown> };

class Lane {
  readonly holds: Pooled[] = [];
  readonly placing: Placing[] = [];
  /** The last two requests' times: a lane is busy when both are recent. */
  lastAt = -Infinity;
  prevAt = -Infinity;
  /** A declined or refused placement: no new one before this time. */
  pausedUntil = -Infinity;
  /** The worst cases of the lane's last requests: new holds cover the largest. */
  readonly recentNeeds: number[] = [];
  /** Why the lane was stopped (its holds' release reason), or null while it runs. */
  droppedFor: string | null = null;
  constructor(readonly key: LaneKey) {}
}

const RECENT_NEEDS = 8;
const laneId = (k: LaneKey) => `${k.apiKeyId}:${k.stream ? "s" : "j"}`;

export class HoldPool {
  private readonly lanes = new Map<string, Lane>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: HoldPoolOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * A committed hold of at least `credits` for this lane; or, when none is ready but one is being
   * placed, a promise of it (it lands with the ledger call already in flight for the account, sooner
   * than a hold of the request's own, which would queue behind that call); or null, when the request
   * must hold for itself — as it must when the promised hold is declined (resolves null).
   */
  take(key: LaneKey, credits: number): Hold | Promise<Hold | null> | null {
    const id = laneId(key);
    let lane = this.lanes.get(id);
    if (!lane) {
      this.lanes.set(id, (lane = new Lane(key)));
      this.startSweeper(); // also forgets lanes of keys that never got busy
    }
    const t = this.now();
    lane.prevAt = lane.lastAt;
    lane.lastAt = t;
    lane.recentNeeds.push(credits);
    if (lane.recentNeeds.length > RECENT_NEEDS) lane.recentNeeds.shift();
    const i = lane.holds.findIndex((p) => t - p.placedAt < this.options.maxAgeMs && p.hold.credits >= credits);
    if (i >= 0) return lane.holds.splice(i, 1)[0]!.hold;
    const placing = lane.placing.find((p) => p.claim === null && p.credits >= credits);
    if (!placing) return null;
    return new Promise((resolve) => (placing.claim = resolve));
  }

  /**
   * Places what the lane lacks, if its key is busy. Called in the same turn as a request's capture or
   * release is submitted, so the combiner sends both in one ledger call.
   */
  topUp(key: LaneKey): void {
    const lane = this.lanes.get(laneId(key));
    if (!lane || lane.droppedFor !== null) return;
    const t = this.now();
    const busy = t - lane.prevAt < this.options.maxAgeMs && t - lane.lastAt < this.options.maxAgeMs;
    if (!busy || t < lane.pausedUntil) return;
    const credits = Math.max(...lane.recentNeeds);
    for (let missing = this.options.size - lane.holds.length - lane.placing.length; missing > 0; missing--) this.place(lane, credits);
    this.startSweeper();
  }

  /** Releases the pooled holds of one key (revoked, its account frozen, …) and stops pooling for it until it is used again. */
  drop(apiKeyId: string, reason = "pool_dropped"): void {
    for (const [id, lane] of this.lanes) if (lane.key.apiKeyId === apiKeyId) this.dropLane(id, lane, reason);
  }

  /**
   * A request of this account was refused for credits: the pool must never be the reason. Gives back
   * every hold this process set aside for the account (ready, or still being placed) and resolves
   * once they are released; true if there were any, so the request may try its own hold once more.
   */
  async giveBackAccount(accountId: string): Promise<boolean> {
    const dropped: Promise<unknown>[] = [];
    for (const [id, lane] of this.lanes) {
      if (lane.key.accountId !== accountId || (lane.holds.length === 0 && lane.placing.length === 0)) continue;
      dropped.push(this.dropLane(id, lane, "pool_returned"));
    }
    await Promise.all(dropped);
    return dropped.length > 0;
  }

  dropAll(reason = "pool_dropped"): void {
    for (const [id, lane] of this.lanes) this.dropLane(id, lane, reason);
  }

  /** Releases every pooled hold, including those still being placed, and waits for it (shutdown). */
  async drain(): Promise<void> {
    this.dropAll("shutdown");
    this.stopSweeper();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Pooled holds ready to hand out (tests, diagnostics). */
  pooledCount(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.holds.length;
    return n;
  }

  private place(lane: Lane, credits: number): void {
    const { key } = lane;
    const placedAt = this.now(); // counted from before it commits: the age bound errs on the safe side
    const placing: Placing = { credits, claim: null };
    lane.placing.push(placing);
    const landed = reserveAhead(this.db, {
      accountId: key.accountId,
      requestId: newId("req"),
      credits,
      keepAvailableCredits: credits * this.options.size * this.options.keepAvailableMultiple,
      meta: { userId: key.userId, apiKeyId: key.apiKeyId },
      ttlSeconds: (key.stream ? this.options.ttlSeconds.stream : this.options.ttlSeconds.json) + Math.ceil(this.options.maxAgeMs / 1000),
    })
      .catch((e: unknown) => {
        console.error(`gateway: placing a pooled hold for key ${key.apiKeyId} failed; its requests hold for themselves`, e);
        return null;
      })
      .then((hold) => {
        lane.placing.splice(lane.placing.indexOf(placing), 1);
        if (!hold) lane.pausedUntil = this.now() + this.options.maxAgeMs;
        const claimed = lane.droppedFor === null ? hold : null;
        placing.claim?.(claimed); // a waiting request takes it, or holds for itself
        if (hold && !claimed) return this.giveBack(lane, hold, lane.droppedFor ?? "pool_dropped");
        if (hold && !placing.claim) lane.holds.push({ hold, placedAt });
      });
    placing.landed = this.track(landed);
  }

  /** Stops the lane; its ready holds are released now, those still being placed when they land. Resolves when all are. */
  private dropLane(id: string, lane: Lane, reason: string): Promise<unknown> {
    lane.droppedFor = reason;
    this.lanes.delete(id);
    const released = lane.holds.splice(0).map((p) => this.giveBack(lane, p.hold, reason));
    return Promise.all([...released, ...lane.placing.map((p) => p.landed)]);
  }

  private giveBack(lane: Lane, hold: Hold, reason: string): Promise<void> {
    const released = release(this.db, { accountId: lane.key.accountId, requestId: hold.requestId, reason }).catch((e: unknown) =>
      console.error(`gateway: releasing pooled hold ${hold.requestId} failed; the sweeper will`, e),
    );
    return this.track(released);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
    return p;
  }

  /** Releases holds past their age and forgets lanes gone quiet. */
  private sweep(): void {
    const t = this.now();
    for (const [id, lane] of this.lanes) {
      for (let i = lane.holds.length - 1; i >= 0; i--) {
        const p = lane.holds[i]!;
        if (t - p.placedAt >= this.options.maxAgeMs) {
          lane.holds.splice(i, 1);
          void this.giveBack(lane, p.hold, "pool_idle");
        }
      }
      if (lane.holds.length === 0 && lane.placing.length === 0 && t - lane.lastAt >= this.options.maxAgeMs) this.lanes.delete(id);
    }
    if (this.lanes.size === 0) this.stopSweeper();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.floor(this.options.maxAgeMs / 4)));
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

/** The TTL of a request's own hold: streams live longer, a long answer outlasts a short hold. */
export const HOLD_TTL_SECONDS = { json: 300, stream: 900 };

// On globalThis: `next dev` reloads this module on edits, and a pool lost that way would leave its
// holds to the sweeper. (Next alone releases nothing at exit either — the sweeper does, after the
// TTL; the front server of `npm start` drains its pool on shutdown.)
const shared = globalThis as typeof globalThis & { meterlineHoldPools?: { pools: Map<Db, HoldPool>; listening: boolean } };
const state = (shared.meterlineHoldPools ??= { pools: new Map(), listening: false });
const pools = state.pools;

/** This process's pool for `db`, or null when pooling is off (GATEWAY_HOLD_POOL_SIZE=0). */
export function holdPoolFor(db: Db): HoldPool | null {
  const config = getGatewayConfig().holdPool;
  if (config.size === 0) return null;
  let pool = pools.get(db);
  if (!pool) {
    pool = new HoldPool(db, { ...config, ttlSeconds: HOLD_TTL_SECONDS });
    pools.set(db, pool);
  }
  if (!state.listening) {
    state.listening = true;
    // A key forgotten here or in another process (revoke, member removal, freeze, breaker trip).
    onApiKeysForgotten((apiKeyId) => {
      for (const p of pools.values()) {
        if (apiKeyId === null) p.dropAll();
        else p.drop(apiKeyId);
      }
    });
  }
  return pool;
}

/** Shutdown: every pooled hold released, and waited for. */
export async function drainHoldPools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.drain()));
}

/** Holds placed ahead and ready to hand out, over this process's pools (diagnostics, tests). */
export function pooledHoldsInProcess(): number {
  let n = 0;
  for (const p of pools.values()) n += p.pooledCount();
  return n;
}

/** Tests change the pool's settings between files: drains and forgets every pool. */
export async function resetHoldPoolsForTests(): Promise<void> {
  await drainHoldPools();
  pools.clear();
}
