/**
 * Coalesces concurrent reserve / capture / release calls into few ledger_apply() calls.
 *
 * - Per account: at most one call in flight per process. Whatever arrives for that account
 *   meanwhile waits and goes out in the next call, in submission order. Under contention N
 *   requests on a hot account share one transaction, one lock acquisition and one commit
 *   instead of queueing N times on the account's row lock.
 * - Across accounts: ops of every idle account with pending work go out together, so one
 *   commit (one WAL flush) serves many accounts. Up to `maxInflight` calls run at once.
 * - No added latency: with nothing in flight a request goes out at once (after a microtask, so
 *   calls made in the same tick share it).
 * - Accounts never wait on each other: the database side takes each account's lock with SKIP
 *   LOCKED; an account locked elsewhere (another app instance, a grant, the expiry job) is
 *   retried in a call of its own that waits only for that account's lock.
 * - Per-request results: one result per op. If a whole call throws (a bug or a constraint
 *   failure), accounts are retried one by one, then ops one by one, so one bad request
 *   cannot fail its neighbours.
 */
export type OpKind = "r" | "c" | "x";
export type Op = { o: OpKind; i: unknown };
export type OpResult = Record<string, unknown> & { r: string; ok: boolean; err?: string };
export type AccountBatch = { a: string; ops: Op[] };
export type AccountOutcome = { a: string; results?: OpResult[]; skipped?: boolean; missing?: boolean };
export type ApplyFn = (batches: AccountBatch[], wait: boolean) => Promise<AccountOutcome[]>;

type Job = { op: Op; resolve: (r: OpResult) => void; reject: (e: unknown) => void };

export class LedgerCombiner {
  private readonly pending = new Map<string, Job[]>();
  private readonly busy = new Set<string>();
  private inflight = 0;
  private scheduled = false;

  constructor(
    private readonly apply: ApplyFn,
    private readonly options: { maxInflight: number; maxOpsPerCall: number } = { maxInflight: 4, maxOpsPerCall: 256 },
  ) {}

  submit(accountId: string, op: Op): Promise<OpResult> {
    return new Promise((resolve, reject) => {
      const jobs = this.pending.get(accountId);
      if (jobs) jobs.push({ op, resolve, reject });
      else this.pending.set(accountId, [{ op, resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inflight < this.options.maxInflight) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inflight++;
      void this.send(batch).finally(() => {
        this.inflight--;
        this.schedule();
      });
    }
  }

  /** Pending ops of idle accounts, up to maxOpsPerCall, marking those accounts busy. */
  private takeBatch(): [string, Job[]][] {
    const batch: [string, Job[]][] = [];
    let n = 0;
    for (const [accountId, jobs] of this.pending) {
      if (this.busy.has(accountId)) continue;
      const take = jobs.splice(0, Math.max(this.options.maxOpsPerCall - n, 1));
      if (jobs.length === 0) this.pending.delete(accountId);
      this.busy.add(accountId);
      batch.push([accountId, take]);
      n += take.length;
      if (n >= this.options.maxOpsPerCall) break;
    }
    return batch;
  }

  private done(accountId: string): void {
    this.busy.delete(accountId);
    if (this.pending.has(accountId)) this.schedule();
  }

  private async send(batch: [string, Job[]][]): Promise<void> {
    let outcomes: AccountOutcome[];
    try {
      outcomes = await this.apply(batch.map(([a, jobs]) => ({ a, ops: jobs.map((j) => j.op) })), false);
    } catch (e) {
      // Not a refusal (those are results) but a failure of the whole call: isolate the culprit.
      if (batch.length === 1) {
        const [a, jobs] = batch[0]!;
        if (jobs.length > 1) {
          void this.runEachAlone(a, jobs).finally(() => this.done(a));
        } else {
          jobs[0]!.reject(e);
          this.done(a);
        }
      } else {
        for (const [a, jobs] of batch) void this.runAccountAlone(a, jobs).finally(() => this.done(a));
      }
      return;
    }
    const byAccount = new Map(outcomes.map((o) => [o.a, o]));
    for (const [a, jobs] of batch) {
      const outcome = byAccount.get(a);
      if (outcome?.skipped) {
        // Locked by someone else: wait for it in a call of its own, off the shared slot.
        void this.runAccountAlone(a, jobs).finally(() => this.done(a));
        continue;
      }
      settle(jobs, outcome);
      this.done(a);
    }
  }

  /** One account's ops in one call that waits for the account's lock; on failure, one op at a time. */
  private async runAccountAlone(a: string, jobs: Job[]): Promise<void> {
    try {
      const [outcome] = await this.apply([{ a, ops: jobs.map((j) => j.op) }], true);
      settle(jobs, outcome);
    } catch (e) {
      if (jobs.length === 1) jobs[0]!.reject(e);
      else await this.runEachAlone(a, jobs);
    }
  }

  private async runEachAlone(a: string, jobs: Job[]): Promise<void> {
    for (const job of jobs) {
      try {
        const [outcome] = await this.apply([{ a, ops: [job.op] }], true);
        settle([job], outcome);
      } catch (e) {
        job.reject(e);
      }
    }
  }
}

function settle(jobs: Job[], outcome: AccountOutcome | undefined): void {
  if (!outcome || outcome.missing) {
    for (const j of jobs) j.resolve({ r: requestIdOf(j.op), ok: false, err: "not_found", account: true });
    return;
  }
  const results = outcome.results ?? [];
  jobs.forEach((j, k) => {
    const r = results[k];
    if (r) j.resolve(r);
    else j.reject(new Error(`ledger_apply returned ${results.length} results for ${jobs.length} ops`));
  });
}

function requestIdOf(op: Op): string {
  return String((op.i as { r?: unknown }).r ?? "");
}
