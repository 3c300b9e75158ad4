import type { Db } from "@/db/client";
import { capture, release, type Receipt } from "@/lib/ledger";
import type { ModelPrice } from "@/lib/config/price-book";
import { isAppError } from "@/lib/errors";
import { afterCapture } from "@/lib/protection";
import { creditsFor } from "./pricing";
import type { TokenUsage } from "./usage";

export type SettlementBase = {
  accountId: string;
  requestId: string;
  userId: string;
  apiKeyId: string | null;
  action: string | null;
  price: ModelPrice;
  startedAt: number;
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

  capture(input: CaptureInput): Promise<Receipt> {
    // protection hook: spend counters, limit notices, low balance (synchronous, never throws)
    const outcome = (this.outcome ??= this.captureWithOneRetry(input).then((r) => (afterCapture(this.db, r), r)));
    return outcome.then((r) => {
      if (!r) throw new Error(`request ${this.base.requestId} was already released`);
      return r;
    });
  }

  release(reason: string): Promise<void> {
    const outcome = (this.outcome ??= release(this.db, { accountId: this.base.accountId, requestId: this.base.requestId, reason }).then(() => null));
    return outcome.then(() => undefined);
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
      return await capture(this.db, args);
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
