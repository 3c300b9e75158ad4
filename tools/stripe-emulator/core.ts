import type Stripe from "stripe";
import { activeOutage, applyChaosPatch, defaultChaos, type ChaosPatch, type ChaosSettings } from "./chaos";
import { Clock } from "./clock";
import { buildEvent, changedAttributes, snapshot } from "./events";
import { StateFile } from "./state/persistence";
import { createEmptyState, type EmulatorState } from "./state/store";
import { WebhookDispatcher, type RetryPolicy, type WebhookTarget } from "./webhooks/dispatcher";

const MAX_EVENTS = 20_000;

export interface EmulatorConfig {
  /** Base URL browsers use to reach the hosted checkout and portal pages. */
  publicUrl: string;
  webhookUrl: string | null;
  webhookSecret: string;
  stateFile: string | null;
  retry: RetryPolicy;
  /** How long a delayed (bank debit) checkout payment takes to settle. */
  asyncPaymentDelayMs: number;
}

/** The request that caused an event, echoed in `event.request` like Stripe does. */
export interface RequestInfo {
  id: string;
  idempotencyKey: string | null;
}

/**
 * Shared services for every resource handler: state, time, events and webhooks.
 * Handlers run synchronously on Node's single thread, so a request sees and
 * leaves a consistent state without locks.
 */
export class Emulator {
  state: EmulatorState;
  readonly clock: Clock;
  readonly webhooks: WebhookDispatcher;
  chaos: ChaosSettings = defaultChaos();
  /** Set while an API request runs so emitted events carry `request.id`. */
  currentRequest: RequestInfo | null = null;
  private readonly stateFile: StateFile;
  private readonly pendingJobs = new Set<Promise<unknown>>();

  constructor(readonly config: EmulatorConfig) {
    this.stateFile = new StateFile(config.stateFile);
    this.state = this.stateFile.load();
    this.clock = new Clock(() => this.state);
    this.webhooks = new WebhookDispatcher({
      state: () => this.state,
      targets: () => this.webhookTargets(),
      chaos: () => this.chaos,
      retry: config.retry,
      persist: () => this.persist(),
    });
  }

  persist(): void {
    this.stateFile.scheduleSave(this.state);
  }

  saveNow(): void {
    this.stateFile.saveNow(this.state);
  }

  webhookTargets(): WebhookTarget[] {
    const targets: WebhookTarget[] = [];
    if (this.config.webhookUrl) {
      targets.push({ id: "default", url: this.config.webhookUrl, secret: this.config.webhookSecret, enabledEvents: ["*"] });
    }
    for (const endpoint of Object.values(this.state.webhookEndpoints)) {
      if (endpoint.status !== "enabled") continue;
      targets.push({ id: endpoint.id, url: endpoint.url, secret: endpoint.secret, enabledEvents: endpoint.enabled_events });
    }
    return targets;
  }

  /** Records an event and queues it for delivery. `customer` picks the clock for `created`. */
  emit(type: string, object: unknown, customer: string | null, previous?: Record<string, unknown>): Stripe.Event {
    const event = buildEvent(type, object, {
      created: this.clock.nowFor(customer),
      previous,
      request: this.currentRequest ? { id: this.currentRequest.id, idempotency_key: this.currentRequest.idempotencyKey } : undefined,
    });
    this.state.events[event.id] = event;
    this.pruneEvents();
    event.pending_webhooks = this.webhooks.enqueue(event);
    this.persist();
    return event;
  }

  /** Stripe keeps 30 days of events; a long-running sandbox keeps the newest ones. */
  private pruneEvents(): void {
    const ids = Object.keys(this.state.events);
    if (ids.length <= MAX_EVENTS) return;
    const queued = new Set(this.state.webhookQueue.map((d) => d.eventId));
    for (const id of ids.slice(0, ids.length - MAX_EVENTS)) if (!queued.has(id)) delete this.state.events[id];
  }

  /** Runs `mutate` on an object and emits `<type>` with Stripe's `previous_attributes`. */
  update<T extends object>(object: T, type: string, customer: string | null, mutate: (o: T) => void): T {
    const before = snapshot(object);
    mutate(object);
    const previous = changedAttributes(before, object);
    if (Object.keys(previous).length > 0) this.emit(type, object, customer, previous);
    this.persist();
    return object;
  }

  setChaos(patch: ChaosPatch): ChaosSettings {
    this.chaos = applyChaosPatch(this.chaos, patch);
    return this.chaos;
  }

  outageStatus(): 500 | 503 | null {
    return activeOutage(this.chaos);
  }

  /** Tracks background work (async payment settlement) so `flush()` can wait for it. */
  track<T>(job: Promise<T>): void {
    this.pendingJobs.add(job);
    void job.finally(() => this.pendingJobs.delete(job));
  }

  async settleBackgroundWork(): Promise<void> {
    while (this.pendingJobs.size > 0) await Promise.allSettled([...this.pendingJobs]);
  }

  /**
   * Stripe requests are atomic: one that fails halfway (a bad item after a good
   * one, an unexpandable field) leaves no trace. `request` null means a read,
   * which needs no snapshot; `keepOnError` lets real side effects stand.
   */
  atomically<T>(request: RequestInfo | null, keepOnError: (err: unknown) => boolean, run: () => T): T {
    const before = request === null ? null : JSON.stringify(this.state);
    this.currentRequest = request;
    try {
      return run();
    } catch (err) {
      if (before !== null && !keepOnError(err)) this.state = JSON.parse(before) as EmulatorState;
      throw err;
    } finally {
      this.currentRequest = null;
    }
  }

  reset(): void {
    this.state = createEmptyState();
    this.chaos = defaultChaos();
    this.saveNow();
  }
}
