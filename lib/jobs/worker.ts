import PgBoss from "pg-boss";
import type Stripe from "stripe";
import { createDb, getDb, type Db } from "@/db/client";
import { getStripe } from "@/lib/billing/stripe-client";
import { syncCatalogToStripe } from "@/lib/billing/sync";
import { getIntegrations } from "@/lib/config/integrations";
import { jobs, type JobDefinition } from "./definitions";

export type WorkerOptions = {
  /** Defaults to the app's database (lib/config/integrations). */
  databaseUrl?: string;
  /** Defaults to getStripe() (the emulator or Stripe, decided by the environment) at each run. */
  stripe?: Stripe;
  /** How often the meter flush is nudged between its cron minutes (default 10 s; 0 = cron only). */
  meterFlushEveryMs?: number;
  /** Which jobs to run (default: all). */
  only?: string[];
  /**
   * Create the catalog's products, prices and meter in Stripe at start (as `npm run stripe:sync`).
   * Default: only against the emulator, whose state may be fresh; never implicitly against Stripe.
   */
  syncCatalog?: boolean;
  log?: (line: string) => void;
};

export type Worker = { boss: PgBoss; stop: () => Promise<void>; runNow: (name: string) => Promise<string | null> };

/**
 * The background worker: a pg-boss queue in the app's Postgres (schema `pgboss`) that any number
 * of worker processes share. Cron schedules fire once across all of them; each queue is
 * `stately` (at most one queued and one running), so a slow run never piles up behind itself.
 */
export async function startWorker(options: WorkerOptions = {}): Promise<Worker> {
  const log = options.log ?? ((line: string) => console.log(`[worker] ${line}`));
  const url = options.databaseUrl ?? getIntegrations().database.url;
  const own = options.databaseUrl ? createDb(url, { max: 6 }) : null;
  const db: Db = own?.db ?? getDb();
  const deps = { db, stripe: () => options.stripe ?? getStripe() };
  if (options.syncCatalog ?? getIntegrations().stripe.mode === "emulator") {
    try {
      const lines = await syncCatalogToStripe(deps.stripe());
      log(`catalog synced to the Stripe emulator (${lines.filter((l) => l.action !== "unchanged").length} changes)`);
    } catch (e) {
      log(`catalog sync failed (checkout will fail until it succeeds): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const boss = new PgBoss({ connectionString: url, schema: "pgboss", max: 4 });
  boss.on("error", (e) => log(`queue error: ${e instanceof Error ? e.message : String(e)}`));
  await boss.start();

  const selected: JobDefinition[] = jobs.filter((j) => !options.only || options.only.includes(j.name));
  for (const job of selected) {
    await boss.createQueue(job.name, { name: job.name, policy: "stately", retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 });
    await boss.schedule(job.name, job.cron, {}, { tz: "UTC" });
    await boss.work(job.name, { pollingIntervalSeconds: 1 }, async () => {
      const started = Date.now();
      try {
        const result = await job.run(deps);
        log(`${job.name} done in ${Date.now() - started} ms: ${JSON.stringify(result)?.slice(0, 200)}`);
      } catch (e) {
        log(`${job.name} failed: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    });
  }

  const flushEvery = options.meterFlushEveryMs ?? 10_000;
  const nudge =
    flushEvery > 0 && selected.some((j) => j.name === "billing.meter-flush")
      ? setInterval(() => void boss.send("billing.meter-flush", {}).catch(() => undefined), flushEvery)
      : null;
  log(`started: ${selected.map((j) => j.name).join(", ")}`);

  return {
    boss,
    runNow: (name) => boss.send(name, {}),
    async stop() {
      if (nudge) clearInterval(nudge);
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await own?.sql.end({ timeout: 1 });
    },
  };
}
