/**
 * Coalesces concurrent operations on the same key (one account) into one call.
 *
 * At most one call per key is in flight per process; whatever arrives meanwhile waits and goes
 * out as the next batch. Under no contention a request goes out alone at once (no added
 * latency); under contention N requests share one transaction, one lock acquisition and one
 * commit instead of queueing N times on the account's row lock. Results and errors stay per
 * request: the executor returns one result per input, and if a whole batch throws, every
 * input is retried on its own so one bad request cannot fail its neighbours.
 */
type Job<I, R> = { input: I; resolve: (r: R) => void; reject: (e: unknown) => void };
type Queue<I, R> = { pending: Job<I, R>[]; running: boolean };

export class KeyedBatcher<I, R> {
  private readonly queues = new Map<string, Queue<I, R>>();

  constructor(
    private readonly execute: (key: string, inputs: I[]) => Promise<R[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(key: string, input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let q = this.queues.get(key);
      if (!q) {
        q = { pending: [], running: false };
        this.queues.set(key, q);
      }
      q.pending.push({ input, resolve, reject });
      if (!q.running) {
        q.running = true;
        // A microtask lets requests issued in the same tick (Promise.all) join the first batch.
        queueMicrotask(() => void this.drain(key, q));
      }
    });
  }

  private async drain(key: string, q: Queue<I, R>): Promise<void> {
    try {
      while (q.pending.length > 0) {
        const batch = q.pending.splice(0, this.maxBatch);
        await this.runBatch(key, batch);
      }
    } finally {
      q.running = false;
      if (q.pending.length === 0) this.queues.delete(key);
      else {
        q.running = true;
        queueMicrotask(() => void this.drain(key, q));
      }
    }
  }

  private async runBatch(key: string, batch: Job<I, R>[]): Promise<void> {
    try {
      const results = await this.execute(key, batch.map((j) => j.input));
      if (results.length !== batch.length) throw new Error(`batch executor returned ${results.length} results for ${batch.length} inputs`);
      batch.forEach((j, i) => j.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      for (const j of batch) {
        try {
          const [r] = await this.execute(key, [j.input]);
          j.resolve(r!);
        } catch (err) {
          j.reject(err);
        }
      }
    }
  }
}
