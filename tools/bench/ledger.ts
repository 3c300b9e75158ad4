/**
 * `npm run bench:ledger`: reserve+capture pairs per second against a real Postgres (embedded,
 * started here, synchronous_commit on), for one hot account and for 100 accounts, at 1/8/32/64
 * concurrent clients, with p50/p99 pair latency. Verifies the ledger invariants at the end and
 * exits non-zero if any fails or if the numbers do not add up.
 *
 *   BENCH_SECONDS=3 (per cell)   BENCH_CLIENTS=1,8,32,64   BENCH_POOL=40   BENCH_SCENARIOS=hot,100acct
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb } from "@/db/client";
import { runMigrations } from "@/db/migrate";
import { accounts } from "@/db/schema";
import { newId } from "@/lib/ids";
import { capture, checkLedgerInvariants, createAccountLedger, grant, reserve } from "@/lib/ledger";
import { ensureDatabase, startEmbeddedPostgres } from "@/tools/embedded-postgres";
import { freePort } from "@/tools/free-port";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CLIENTS = (process.env.BENCH_CLIENTS ?? "1,8,32,64").split(",").map(Number);
const POOL = Number(process.env.BENCH_POOL ?? 40);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "hot,100acct").split(",");
const HOLD = 10;
const CHARGE = 7;

type Cell = { scenario: string; clients: number; pairs: number; seconds: number; p50: number; p99: number; errors: number; appCpuUs: number; dbCpuUs: number };

/**
 * CPU time (µs) used so far by the Postgres server we started: the postmaster and its children,
 * from /proc (Linux). The machine is shared, so throughput moves with other people's load; CPU
 * per pair does not, and shows whether a change made the ledger cheaper.
 */
function postgresCpuUs(dataDir: string): number {
  try {
    const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const tick = 1_000_000 / 100; // USER_HZ is 100 on Linux
    let total = 0;
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      if (Number(entry) !== postmaster && ppid !== postmaster) continue;
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    }
    return total;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A minimal closed-loop load runner: `clients` loops doing one pair after another until the deadline. */
async function runCell(
  dataDir: string,
  scenario: string,
  clients: number,
  pick: (client: number) => string,
  pair: (accountId: string, requestId: string) => Promise<void>,
): Promise<Cell> {
  const latencies: number[] = [];
  const app0 = process.cpuUsage();
  const db0 = postgresCpuUs(dataDir);
  let errors = 0;
  let seq = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await pair(pick(c), `bench_${scenario}_${clients}_${c}_${++seq}`);
          latencies.push(performance.now() - t0);
        } catch (e) {
          errors++;
          if (errors <= 3) console.error(e);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const app = process.cpuUsage(app0);
  const dbUs = postgresCpuUs(dataDir) - db0;
  latencies.sort((a, b) => a - b);
  const n = Math.max(latencies.length, 1);
  return {
    scenario,
    clients,
    pairs: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    appCpuUs: (app.user + app.system) / n,
    dbCpuUs: dbUs / n,
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "meterline-bench-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  let exitCode = 0;
  try {
    await ensureDatabase(pg.url("postgres"), "bench");
    await runMigrations(pg.url("bench"));
    const { db, sql: client } = createDb(pg.url("bench"), { max: POOL });
    const [{ sc }] = (await client`show synchronous_commit`).map((r) => ({ sc: r.synchronous_commit as string })) as [{ sc: string }];
    console.log(`postgres on :${pg.port}, synchronous_commit=${sc}, pool=${POOL}, ${SECONDS}s per cell, hold ${HOLD} / capture ${CHARGE} credits per pair`);
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} before the run (the machine is shared)`);

    const makeAccount = async () => {
      const id = newId("acct");
      await db.transaction(async (tx) => {
        await tx.insert(accounts).values({ id, name: id, kind: "team" });
        await createAccountLedger(tx, id, { signupCredits: 0 });
      });
      await grant(db, { accountId: id, kind: "purchase", credits: 1_000_000_000, sourceRef: `bench:${id}` });
      return id;
    };
    const hot = await makeAccount();
    const many = await Promise.all(Array.from({ length: 100 }, makeAccount));

    const pair = async (accountId: string, requestId: string) => {
      await reserve(db, { accountId, requestId, credits: HOLD, meta: { action: "chat", model: "mock-1" } });
      await capture(db, { accountId, requestId, credits: CHARGE, usage: { model: "mock-1", action: "chat", inputTokens: 12, outputTokens: 30 } });
    };

    // Warm up connections and plans.
    await runCell(dataDir, "warmup", 8, () => hot, pair);

    const cells: Cell[] = [];
    if (SCENARIOS.includes("hot")) for (const clients of CLIENTS) cells.push(await runCell(dataDir, "hot", clients, () => hot, pair));
    if (SCENARIOS.includes("100acct"))
      for (const clients of CLIENTS) cells.push(await runCell(dataDir, "100acct", clients, () => many[Math.floor(Math.random() * many.length)]!, pair));

    console.log("\nscenario          clients   pairs/s     pairs   p50 ms   p99 ms  errors  app µs/pair  db µs/pair");
    for (const c of cells) {
      const label = c.scenario === "hot" ? "(a) 1 hot account" : "(b) 100 accounts";
      console.log(
        `${label.padEnd(18)}${String(c.clients).padStart(7)}${(c.pairs / c.seconds).toFixed(0).padStart(10)}${String(c.pairs).padStart(10)}${c.p50.toFixed(2).padStart(9)}${c.p99.toFixed(2).padStart(9)}${String(c.errors).padStart(8)}${c.appCpuUs.toFixed(0).padStart(13)}${c.dbCpuUs.toFixed(0).padStart(12)}`,
      );
    }

    // The books must balance after the run.
    const problems = await checkLedgerInvariants(db);
    const totalPairs = cells.reduce((s, c) => s + c.pairs, 0);
    const [counts] = (await db.execute(sql`
      select (select count(*) from usage_events where request_id not like 'bench_warmup%')::int as receipts,
             (select coalesce(sum(charged_credits), 0) from usage_events where request_id not like 'bench_warmup%')::bigint as charged,
             (select count(*) from holds where status = 'held')::int as open_holds`)) as unknown as { receipts: number; charged: string; open_holds: number }[];
    if (counts!.receipts !== totalPairs) problems.push(`receipts ${counts!.receipts} ≠ completed pairs ${totalPairs}`);
    if (Number(counts!.charged) !== totalPairs * CHARGE) problems.push(`charged ${counts!.charged} ≠ ${totalPairs} × ${CHARGE}`);
    if (counts!.open_holds !== 0) problems.push(`${counts!.open_holds} holds left open`);
    if (cells.some((c) => c.errors > 0)) problems.push("some pairs failed");
    console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; app/db µs per pair = CPU time of this process / of the Postgres server per completed pair`);
    console.log(`\ninvariants: ${problems.length === 0 ? "OK" : "FAILED"} (${totalPairs} pairs, ${counts!.receipts} receipts, ${counts!.charged} credits charged)`);
    for (const p of problems) console.log(`  ${p}`);
    if (problems.length > 0) exitCode = 1;
    await client.end({ timeout: 5 });
  } finally {
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
