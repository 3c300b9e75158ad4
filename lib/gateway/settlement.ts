import type { Db } from "@/db/client";
import { capture, release, type Hold, type Receipt } from "@/lib/ledger";
import type { ModelPrice } from "@/lib/config/price-book";
import { isAppError } from "@/lib/errors";
import { afterCapture } from "@/lib/protection";
import { creditsFor } from "./pricing";
import { settleBehindResponse } from "./settle-behind";
import type { TokenUsage } from "./usage";

export type SettlementBase = {
  accountId: string;
  requestId: string;
  userId: string;
  apiKeyId: string | null;
  action: string | null;
  price: ModelPrice;
  startedAt: number;
  /** What reserve() held: the most a capture can charge, and how much of it came from grants. */
  hold: Pick<Hold, "credits" | "fromGrantsCredits">;
  /**
   * Called in the same turn as the capture or release is submitted to the ledger, so work submitted
   * from it for the same account (the hold pool's top-up) goes out in the same ledger call.
   */
  onSettleSubmitted?: () => void;
};

export type CaptureInput = { usage: TokenUsage; status: "succeeded" | "partial"; cacheHit?: boolean };

/**
 * Ends one request's hold exactly once: either a capture (actual usage, priced here, the rest
 * released by the ledger in the same transaction) or a release (nothing charged). Whatever is
 * called first wins; later calls get the first outcome, so a stream that ends and aborts at the
 * same moment cannot settle twice. If the process dies before this runs, the hold expires and
 * the ledger's sweeper releases it.
 */
export class Settlement {
  private outcome: Promise<Receipt | null> | null = null;

  constructor(
    private readonly db: Db,
    private readonly base: SettlementBase,
  ) {}

  get settled(): boolean {
    return this.outcome !== null;
  }

  capture(input: CaptureInput, options: { afterThisTurn?: boolean } = {}): Promise<Receipt> {
    // protection hook: spend counters, limit notices, low balance (synchronous, never throws)
    const outcome = (this.outcome ??= (options.afterThisTurn ? afterThisTurn() : Promise.resolve())
      .then(() => this.captureWithOneRetry(input))
      .then((r) => (afterCapture(this.db, r), r)));
    return outcome.then((r) => {
      if (!r) throw new Error(`request ${this.base.requestId} was already released`);
      return r;
    });
  }

  /**
   * Charges the request: `chargedCredits` and the capture's `receipt`. With `answerFirst`, when the
   * charge is known in advance (chargeKnownBeforeCapture), this returns at once and the capture
   * commits behind the answer (./settle-behind.ts keeps track of it): the caller answers without
   * waiting for a database round trip and WAL flush. Otherwise it returns once the capture committed
   * (and throws if it failed). A capture behind the answer that fails is logged and leaves the hold
   * to the sweeper: that request is then charged nothing, never twice — as when the process dies
   * between the upstream's answer and the capture, which no ordering can close.
   */
  async charge(input: CaptureInput, options: { answerFirst: boolean }): Promise<{ chargedCredits: number; receipt: Promise<Receipt> }> {
    const known = options.answerFirst ? this.chargeKnownBeforeCapture(input) : null;
    if (known === null) {
      const receipt = await this.capture(input);
      return { chargedCredits: receipt.chargedCredits, receipt: Promise.resolve(receipt) };
    }
    // The capture is claimed now (a release or a second charge from here on gets its outcome) and
    // registered now (a receipt lookup or a shutdown waits for it), but its work — batching,
    // serialising, the query — starts once this event-loop turn is over, i.e. after the answer the
    // caller is about to write has left: ≈ 0.1 ms of a 1-client call's critical path (measured).
    const receipt = this.capture(input, { afterThisTurn: true }).then(
      (r) => {
        if (r.chargedCredits !== known) console.error(`gateway: ${r.requestId} was answered as charged ${known} but the ledger charged ${r.chargedCredits}`);
        return r;
      },
      (e: unknown) => {
        console.error(`gateway: capture of ${this.base.requestId} failed after its answer was sent; it is not charged (the sweeper releases its hold)`, e);
        throw e;
      },
    );
    settleBehindResponse(this.base.requestId, receipt);
    return { chargedCredits: known, receipt };
  }

  /**
   * The credits capture(input) will charge, when that is certain before it runs; otherwise null.
   * The ledger charges min(requested, held), taken from the hold's grants first and only then from
   * its overage part; the overage part alone is capped by the hard limit as it stands at capture
   * time (an admin may have lowered it meanwhile). So a charge that fits in the hold's grant part
   * is exact; one that reaches into overage is known only after the capture.
   */
  private chargeKnownBeforeCapture(input: CaptureInput): number | null {
    if (input.cacheHit) return null; // served by serveCacheHit, which checks the zero it got
    const charge = Math.min(creditsFor(this.base.price, input.usage), this.base.hold.credits);
    return charge <= this.base.hold.fromGrantsCredits ? charge : null;
  }

  release(reason: string): Promise<void> {
    if (!this.outcome) {
      this.outcome = release(this.db, { accountId: this.base.accountId, requestId: this.base.requestId, reason }).then(() => null);
      this.base.onSettleSubmitted?.();
    }
    return this.outcome.then(() => undefined);
  }

  private async captureWithOneRetry(input: CaptureInput): Promise<Receipt> {
    const b = this.base;
    const args = {
      accountId: b.accountId,
      requestId: b.requestId,
      credits: input.cacheHit ? 0 : creditsFor(b.price, input.usage),
      usage: {
        model: b.price.id,
        action: b.action,
        inputTokens: input.usage.inputTokens,
        outputTokens: input.usage.outputTokens,
        cachedTokens: input.usage.cachedTokens,
        cacheHit: input.cacheHit ?? false,
        status: input.status,
        latencyMs: Math.round(performance.now() - b.startedAt),
        userId: b.userId,
        apiKeyId: b.apiKeyId,
      },
    };
    try {
      const captured = capture(this.db, args);
      b.onSettleSubmitted?.();
      return await captured;
    } catch (e) {
      // A refusal (already released by the sweeper, …) is final; only unexpected errors are retried.
      if (isAppError(e)) throw e;
      // Capture is idempotent, so one retry after a transient database error is safe; a second
      // failure leaves the hold to the sweeper (the customer is then not charged, never twice).
      console.error(`gateway: capture of ${b.requestId} failed, retrying once`, e);
      return capture(this.db, args);
    }
  }
}

/** Resolves in the next check phase of the event loop: after the I/O callbacks and microtasks of this turn. */
function afterThisTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
