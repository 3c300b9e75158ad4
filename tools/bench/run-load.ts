/**
 * Closed-loop load generator: `concurrency` async workers in this process, each starting its next
 * request as soon as the previous one settles. Stops after `requests` requests or `durationMs`,
 * whichever comes first, and never waits more than `drainTimeoutMs` for stragglers.
 */
import { setMaxListeners } from "node:events";
import { percentile } from "./percentile";

export interface LoadOptions {
  concurrency: number;
  /** Stop starting requests after this long. At least one of durationMs / requests is required. */
  durationMs?: number;
  /** Stop after this many requests in total (across workers). */
  requests?: number;
  /**
   * One request; resolve = success, throw/reject = error. `i` is 0,1,2,... in start order.
   * `signal` aborts when the run gives up on in-flight requests (see drainTimeoutMs).
   */
  makeRequest: (i: number, signal: AbortSignal) => Promise<void>;
  /** How long to wait for in-flight requests after the run ends before aborting them. Default 10 s. */
  drainTimeoutMs?: number;
  /** How many distinct error messages to keep for the report. Default 5. */
  maxErrorSamples?: number;
  /** Millisecond clock; defaults to performance.now. Injected by tests for exact latencies. */
  clock?: () => number;
}

export interface LoadResult {
  /** Requests that settled (successes + errors) plus any abandoned at the drain timeout. */
  requests: number;
  /** Failed requests, including any abandoned at the drain timeout. */
  errors: number;
  /** Settled requests per second of wall time. */
  rps: number;
  /** Latency percentiles over successful requests only (NaN when none succeeded). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  elapsedMs: number;
  /** A few distinct error messages, to tell why errors happened. */
  errorSamples: string[];
}

function validate(options: LoadOptions): void {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
  }
  if (options.durationMs === undefined && options.requests === undefined) {
    throw new RangeError("runLoad needs durationMs or requests, or it would never stop");
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  validate(options);
  const maxRequests = options.requests ?? Number.POSITIVE_INFINITY;
  const maxErrorSamples = options.maxErrorSamples ?? 5;
  const abort = new AbortController();
  // Every in-flight request listens on this one signal; that is by design, not a leak.
  setMaxListeners(Number.POSITIVE_INFINITY, abort.signal);
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  let started = 0;
  let errors = 0;

  const now = options.clock ?? (() => performance.now());
  const startMs = now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + options.durationMs;

  async function worker(): Promise<void> {
    while (started < maxRequests && now() < deadline && !abort.signal.aborted) {
      const i = started++;
      const t0 = now();
      try {
        await options.makeRequest(i, abort.signal);
        latencies.push(now() - t0);
      } catch (error) {
        errors++;
        if (errorSamples.size < maxErrorSamples) errorSamples.add(error instanceof Error ? error.message : String(error));
      }
    }
  }

  const workers = Promise.all(Array.from({ length: options.concurrency }, worker));
  await waitForWorkers(workers, deadline - startMs, options.drainTimeoutMs ?? 10_000, abort);
  const elapsedMs = now() - startMs;

  // Requests still running after the drain timeout count as errors: they did not complete.
  const abandoned = started - latencies.length - errors;
  if (abandoned > 0) {
    errors += abandoned;
    errorSamples.add(`${abandoned} request(s) still running at the drain timeout`);
  }

  latencies.sort((a, b) => a - b);
  const total = latencies.length + errors;
  return {
    requests: total,
    errors,
    rps: elapsedMs > 0 ? (total * 1000) / elapsedMs : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length > 0 ? (latencies[latencies.length - 1] as number) : Number.NaN,
    meanMs: latencies.length > 0 ? latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length : Number.NaN,
    elapsedMs,
    errorSamples: [...errorSamples],
  };
}

/**
 * Resolve when all workers finish or, in time-bounded runs, at most drainTimeoutMs after the
 * deadline, aborting whatever is still in flight. Count-only runs have no end time to measure
 * from, so they rely on makeRequest having its own timeout (the HTTP clients here do).
 */
async function waitForWorkers(workers: Promise<void[]>, durationMs: number, drainTimeoutMs: number, abort: AbortController): Promise<void> {
  if (!Number.isFinite(durationMs)) {
    await workers;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      abort.abort(new Error("runLoad drain timeout"));
      resolve();
    }, durationMs + drainTimeoutMs);
  });
  try {
    await Promise.race([workers, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}
