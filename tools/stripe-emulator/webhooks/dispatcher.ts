import type Stripe from "stripe";
import { seededRandom, shuffleBurst, type ChaosSettings } from "../chaos";
import type { DeliveryLogEntry, EmulatorState, QueuedDelivery } from "../state/store";
import { signatureHeader } from "./signing";

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
  enabledEvents: string[];
}

export interface RetryPolicy {
  /** Delay before the second attempt; doubles for each further attempt. */
  baseMs: number;
  /** Ceiling of the doubling delay. */
  maxDelayMs: number;
  /** Attempts in total, the first one included. */
  maxAttempts: number;
}

/** Wait after failed attempt number `attempt` (1-based): base × 2^(attempt−1), capped. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(attempt - 1, 40));
}

export interface DispatcherDeps {
  state: () => EmulatorState;
  targets: () => WebhookTarget[];
  chaos: () => ChaosSettings;
  retry: RetryPolicy;
  persist: () => void;
}

const DELIVERY_LOG_LIMIT = 2000;
const SHUFFLE_WINDOW_MS = 25;

/**
 * Delivers events to every matching endpoint, one request at a time in the order
 * the events happened (unless chaos says otherwise). A failed attempt goes back in
 * the queue with exponential backoff and does not hold up later events, like
 * Stripe. Delivery never runs inside an API request, so it can never block one.
 */
export class WebhookDispatcher {
  private pumping = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly inFlight = new Set<AbortController>();
  private random: () => number = Math.random;
  private randomSeed: number | null = null;

  constructor(private readonly deps: DispatcherDeps) {}

  enqueue(event: Stripe.Event): number {
    const targets = this.deps.targets().filter((t) => matches(t, event.type));
    const copies = this.deps.chaos().duplicate ? 2 : 1;
    const queue = this.deps.state().webhookQueue;
    for (const target of targets) {
      for (let i = 0; i < copies; i++) queue.push({ eventId: event.id, endpointId: target.id, attempt: 1, notBeforeMs: 0 });
    }
    this.schedule(0);
    return targets.length;
  }

  /** Makes every queued retry due now (skips the remaining backoff). */
  retryNow(): void {
    for (const delivery of this.deps.state().webhookQueue) delivery.notBeforeMs = 0;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.schedule(0);
  }

  /** Resumes deliveries that were queued before a restart. */
  resume(): void {
    this.schedule(0);
  }

  isIdle(): boolean {
    return !this.pumping && this.deps.state().webhookQueue.length === 0;
  }

  /** Resolves once nothing is queued or in flight (retries included). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const controller of this.inFlight) controller.abort();
    this.releaseWaiters();
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.pumping) return;
    if (this.timer) clearTimeout(this.timer);
    // When shuffling, wait a moment so events from neighbouring requests form one burst.
    if (this.deps.chaos().shuffle) delayMs = Math.max(delayMs, SHUFFLE_WINDOW_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, Math.max(0, delayMs));
  }

  /**
   * The deliveries due now, as copies: they stay in the persisted queue until
   * their attempt is over, so a shutdown or crash mid-burst loses none of them.
   */
  private dueBurst(): QueuedDelivery[] {
    const now = Date.now();
    const due = this.deps
      .state()
      .webhookQueue.filter((d) => d.notBeforeMs <= now)
      .map((d) => ({ ...d }));
    const chaos = this.deps.chaos();
    if (!chaos.shuffle) return due;
    if (this.randomSeed !== chaos.shuffleSeed) {
      this.randomSeed = chaos.shuffleSeed;
      this.random = seededRandom(chaos.shuffleSeed);
    }
    return shuffleBurst(due, this.random);
  }

  /**
   * Removes the queued entry for `delivery`. Matched by value, not identity: a
   * rolled-back request may have replaced the state (and its queue) while the
   * attempt was in flight, and `retryNow()` may have reset its `notBeforeMs`.
   * Chaos duplicates are interchangeable, so removing either one is right.
   */
  private dequeue(delivery: QueuedDelivery): void {
    const queue = this.deps.state().webhookQueue;
    const same = (d: QueuedDelivery) => d.eventId === delivery.eventId && d.endpointId === delivery.endpointId && d.attempt === delivery.attempt;
    let index = queue.findIndex((d) => same(d) && d.notBeforeMs === delivery.notBeforeMs);
    if (index < 0) index = queue.findIndex(same);
    if (index >= 0) queue.splice(index, 1);
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        const burst = this.dueBurst();
        if (burst.length === 0) break;
        for (const delivery of burst) {
          // Whatever is left stays queued in the saved state for the next start.
          if (this.closed) return;
          await this.attempt(delivery);
        }
        // After close() the state was saved with the remaining queue; leave the file alone.
        if (this.closed) return;
        this.deps.persist();
      }
    } finally {
      this.pumping = false;
    }
    const queue = this.deps.state().webhookQueue;
    if (queue.length === 0) {
      this.releaseWaiters();
      return;
    }
    const next = Math.min(...queue.map((d) => d.notBeforeMs));
    this.schedule(next - Date.now());
  }

  private async attempt(delivery: QueuedDelivery): Promise<void> {
    const state = this.deps.state();
    const event = state.events[delivery.eventId];
    const target = this.deps.targets().find((t) => t.id === delivery.endpointId);
    if (!event || !target) {
      // Nothing to deliver any more (event pruned, endpoint removed or disabled).
      this.dequeue(delivery);
      return;
    }
    const delayMs = this.deps.chaos().delayMs;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (this.closed) return;

    const payload = JSON.stringify(event, null, 2);
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), 10_000);
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signatureHeader(payload, target.secret),
        },
        body: payload,
        signal: controller.signal,
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    // Aborted by close(): the entry is still queued (and saved) and is retried, not counted, after a restart.
    if (this.closed) return;
    const ok = status !== null && status >= 200 && status < 300;
    this.dequeue(delivery);
    this.log({
      eventId: event.id,
      eventType: event.type,
      endpointId: target.id,
      url: target.url,
      attempt: delivery.attempt,
      status,
      error,
      ok,
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    });
    if (ok) {
      // Look the event up again: the state may have been replaced while we waited.
      const current = this.deps.state().events[event.id];
      if (current) current.pending_webhooks = Math.max(0, current.pending_webhooks - 1);
      return;
    }
    if (delivery.attempt < this.deps.retry.maxAttempts) {
      this.deps.state().webhookQueue.push({ ...delivery, attempt: delivery.attempt + 1, notBeforeMs: Date.now() + retryDelayMs(this.deps.retry, delivery.attempt) });
    }
  }

  private log(entry: DeliveryLogEntry): void {
    const log = this.deps.state().deliveryLog;
    log.push(entry);
    if (log.length > DELIVERY_LOG_LIMIT) log.splice(0, log.length - DELIVERY_LOG_LIMIT);
  }

  private releaseWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function matches(target: WebhookTarget, type: string): boolean {
  return target.enabledEvents.includes("*") || target.enabledEvents.includes(type);
}
