/**
 * `npm run bench:gateway`: the metered gateway against the mock LLM, on the production build.
 *
 * One run: builds if .next is missing or older than the sources, starts its own embedded Postgres
 * (temp dir), migrates, spawns the mock LLM, seeds 100 accounts with API keys and credits, starts
 * `next start`, then sends the same load straight to the mock and through the gateway —
 * non-streaming and streaming, at 1, 8, 32 and 64 clients (gateway requests spread over the 100
 * keys) — prints requests/s, p50/p99 and the latency the gateway adds, checks the ledger's
 * invariants, and stops everything. Everything shares this machine.
 *
 * Env: BENCH_DURATION_MS (per cell, default 3000), BENCH_ONE_CLIENT_MS (1-client cells, default 10000), BENCH_CONCURRENCY (default "1,8,32,64"),
 * BENCH_ACCOUNTS (default 100), BENCH_WARMUP_REQUESTS (default 5000), BENCH_TRANSPORT (the load generator's client:
 * raw, the default, node or fetch), BENCH_SKIP_BUILD=1, BENCH_PORT, BENCH_SERVE_ONLY=1 (start the
 * stack and keep it up for probing instead of running the matrix), BENCH_FRONT=0 (load Next
 * directly instead of the front server of `npm start`, tools/front-server, which by default listens
 * in front of Next and serves the API-key calls itself; app CPU is then front + Next).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@/db/client";
import { runMigrations } from "@/db/migrate";
import { createUserWithPersonalAccount } from "@/lib/accounts/users";
import { createApiKey } from "@/lib/api-keys/keys";
import { checkLedgerInvariants, grant } from "@/lib/ledger";
import { ensureDatabase, startEmbeddedPostgres } from "../embedded-postgres";
import { freePort } from "../free-port";
import { spawnMockLlm } from "../mock-llm/spawn";
import { createHttpClient, printTable, runLoad, transportFromEnv, type LoadResult, type TableRow } from "./index";
import { add, usageSnapshot, usedBetween, type ProcessUsage } from "./process-usage";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
/** 1-client cells: at ≈ 300 metered requests/s, 10 s gives ≈ 3,000 samples, so the p99 is the 30th slowest, not the 9th. */
const oneClientMs = Number(process.env.BENCH_ONE_CLIENT_MS ?? 10_000);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,8,32,64").split(",").map(Number);
const accountCount = Number(process.env.BENCH_ACCOUNTS ?? 100);
/** Metered requests per mode before the measured cells (see the warm-up below). */
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP_REQUESTS ?? 5000);
/** The load generator's HTTP client (tools/bench/index.ts): raw sockets unless BENCH_TRANSPORT says node or fetch. */
const transport = transportFromEnv();
const ROOT = process.cwd();

// The same handful of prompts as bench:mock; replies are 20–60 tokens.
const PROMPTS = Array.from({ length: 16 }, (_, i) => `Benchmark prompt ${i}: summarise usage for account ${i * 17}.`);
const body = (model: string, i: number, stream: boolean) => ({
  model,
  messages: [{ role: "user", content: PROMPTS[i % PROMPTS.length]! }],
  max_tokens: 100,
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});

function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

function buildIfStale(): void {
  if (process.env.BENCH_SKIP_BUILD === "1") return;
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const newest = Math.max(...["app", "lib", "db", "components", "proxy.ts", "next.config.ts", "tsconfig.json", "package.json"].map((p) => newestMtime(path.join(ROOT, p))));
  if (builtAt > newest) return console.log("production build is up to date");
  console.log("building (next build)…");
  const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("next build failed");
}

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of fs.readdirSync(p)) if (!entry.startsWith(".") && entry !== "node_modules") newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

async function seed(url: string): Promise<string[]> {
  const { db, sql } = createDb(url, { max: 8 });
  const keys: string[] = [];
  try {
    for (let i = 0; i < accountCount; i++) {
      const { user, accountId } = await createUserWithPersonalAccount(db, { email: `bench${i}@example.test`, name: `Bench ${i}` });
      const { secret } = await createApiKey(db, { accountId, userId: user.id, role: "owner", via: "session" }, "bench");
      await grant(db, { accountId, kind: "purchase", credits: 1_000_000_000, sourceRef: `bench-${accountId}` });
      keys.push(secret);
    }
  } finally {
    await sql.end();
  }
  return keys;
}

async function startNext(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(path.join(ROOT, "node_modules", ".bin", "next"), ["start", "-p", String(port)], {
    env: { ...process.env, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return waitUntilHealthy(child, port, "next start");
}

/** The front server (tools/front-server/cli.ts) on `port`, in front of Next on `nextPort`. */
async function startFront(port: number, nextPort: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "front-server", "cli.ts"), "--port", String(port), "--next-port", String(nextPort)], {
    env: { ...process.env, ...env, NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return waitUntilHealthy(child, port, "front server");
}

/** Polls GET /api/health on `port` until it answers 200; fails if `child` exits or 60 s pass. */
async function waitUntilHealthy(child: ChildProcess, port: number, name: string): Promise<ChildProcess> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`${name} exited`);
    if (Date.now() > until) throw new Error(`${name} did not become healthy in 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  buildIfStale();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "meterline-bench-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  const stops: (() => Promise<unknown>)[] = [async () => pg.stop(), async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  let next: ChildProcess | undefined;
  let front: ChildProcess | undefined;
  try {
    await ensureDatabase(pg.url("postgres"), "meterline");
    const dbUrl = pg.url("meterline");
    await runMigrations(dbUrl);
    const mock = await spawnMockLlm();
    stops.unshift(() => mock.close());
    const keys = await seed(dbUrl);
    const port = Number(process.env.BENCH_PORT ?? (await freePort()));
    const useFront = process.env.BENCH_FRONT !== "0";
    const nextPort = useFront ? await freePort() : port;
    const appEnv = {
      DATABASE_URL: dbUrl,
      LLM_BASE_URL: mock.url,
      LLM_API_KEY: "bench",
      DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "20",
      // The load is 16 prompts repeated by 100 keys at hundreds of requests/s: exactly the agent-loop
      // and spend-spike signatures the circuit breaker trips on. Its checks still run on every
      // request (their cost is measured); only the thresholds are out of the load's reach.
      BREAKER_LOOP_REPEATS: process.env.BREAKER_LOOP_REPEATS ?? "1000000000",
      BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR: process.env.BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR ?? "1000000000000",
    };
    next = await startNext(nextPort, { ...appEnv, ...(useFront ? { API_KEY_CACHE_BROADCAST: "1" } : {}) });
    if (useFront) front = await startFront(port, nextPort, appEnv);
    const app = `http://127.0.0.1:${port}/api/v1/chat/completions`;
    if (process.env.BENCH_SERVE_ONLY === "1") {
      // For probing by hand (curl -w, a profiler): keep the stack up until Ctrl-C.
      fs.writeFileSync(path.join(os.tmpdir(), "meterline-bench-serve.json"), JSON.stringify({ app, mock: mock.url, db: dbUrl, keys: keys.slice(0, 5), allKeys: keys, nextPid: next.pid, frontPid: front?.pid }));
      console.log(`serving: ${app} (key ${keys[0]}); details in ${path.join(os.tmpdir(), "meterline-bench-serve.json")}`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()).once("SIGTERM", () => resolve()));
      return;
    }
    const direct = `${mock.url}/chat/completions`;
    console.log(`mock ${mock.url}, app :${port}${useFront ? ` (front server, Next on :${nextPort})` : " (Next)"}, ${accountCount} accounts, ${durationMs} ms per cell, ${transport} client, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);

    const client = createHttpClient({ headers: { authorization: "Bearer bench" }, timeoutMs: 30_000 }, transport);
    const auth = (i: number) => ({ headers: { authorization: `Bearer ${keys[i % keys.length]!}` } });
    // CPU per request of the app, Postgres (server + backends) and the mock: unlike req/s, it does
    // not move with what else runs on the machine, so it is the figure to compare changes by. And
    // the time all of them and the load generator spent woken but waiting for a core (run queue):
    // on two cores shared by four programs, that wait is where the latency beyond the work goes.
    const pgPid = postmasterPid(dataDir);
    const usageNow = () => ({
      app: new Map([...usageSnapshot(next?.pid), ...usageSnapshot(front?.pid)]),
      db: usageSnapshot(pgPid, { withChildren: true }),
      mock: usageSnapshot(mock.pid),
      loadgen: usageSnapshot(process.pid),
    });
    const run = (target: "direct" | "gateway", stream: boolean, concurrency: number, ms = durationMs) =>
      runLoad({
        concurrency,
        durationMs: ms,
        makeRequest: async (i, signal) => {
          const url = target === "direct" ? direct : app;
          const b = body(target === "direct" ? "mock-small" : "standard", i, stream);
          const opts = target === "direct" ? { signal } : { ...auth(i), signal };
          if (stream) {
            const r = await client.postSse(url, b, opts);
            if (target === "gateway" && !/credits_charged/.test(r.lastData ?? "")) throw new Error("no credits in the final chunk");
          } else {
            await client.postJson(url, b, opts);
          }
        },
      });

    // Warm-up: JIT, both pools, the key cache. The figures are for a server in its steady state:
    // measured on a fresh stack, the 1-client latency kept falling for the first ≈ 3,000–5,000
    // metered requests (V8 still optimising the path: +3.75 ms after 1,000, +3.0 after 3,000,
    // flat from there), so each mode gets at least WARMUP_REQUESTS before its cells.
    for (const stream of [false, true]) {
      await run("direct", stream, 8, 1000);
      for (let warmed = 0, rounds = 0; warmed < WARMUP_REQUESTS && rounds < 10; rounds++) warmed += (await run("gateway", stream, 32, 2000)).requests;
      await run("gateway", stream, 1, 1000);
    }

    const rows: TableRow[] = [];
    let metered = 0;
    let failed = 0;
    for (const stream of [false, true]) {
      for (const concurrency of concurrencies) {
        // Interleaved per cell so both sides see the same background load.
        // One client: a longer cell, so its p99 rests on thousands of requests, not a few hundred.
        const ms = concurrency === 1 ? oneClientMs : durationMs;
        const d = await run("direct", stream, concurrency, ms);
        const u0 = usageNow();
        const g = await run("gateway", stream, concurrency, ms);
        const u1 = usageNow();
        metered += g.requests - g.errors;
        failed += d.errors + g.errors;
        const per = (usage: ProcessUsage, k: keyof ProcessUsage) => (g.requests > 0 ? usage[k] / g.requests : Number.NaN);
        const used = { app: usedBetween(u0.app, u1.app), db: usedBetween(u0.db, u1.db), mock: usedBetween(u0.mock, u1.mock), loadgen: usedBetween(u0.loadgen, u1.loadgen) };
        const waited = Object.values(used).reduce(add);
        rows.push({
          ...row(stream, concurrency, d, g),
          "app CPU ms/req": per(used.app, "cpuMs"),
          "db CPU ms/req": per(used.db, "cpuMs"),
          "mock CPU ms/req": per(used.mock, "cpuMs"),
          "run-queue ms/req": per(waited, "runQueueMs"),
        });
        for (const [name, r] of [["direct", d], ["gateway", g]] as const) if (r.errorSamples.length > 0) console.error(`${name} errors:`, r.errorSamples);
      }
    }
    client.close();
    printTable(rows);
    await printPhaseBreakdown(app, keys, useFront ? `http://127.0.0.1:${nextPort}` : undefined);

    const { db, sql } = createDb(dbUrl, { max: 2 });
    const problems = await checkLedgerInvariants(db);
    const [counts] = (await sql`select count(*)::int as receipts, coalesce(sum(charged_credits),0)::bigint as credits from usage_events`) as unknown as { receipts: number; credits: string }[];
    const [neg] = (await sql`select count(*)::int as n from credit_grants where remaining_credits < 0`) as unknown as { n: number }[];
    // The hold pool (lib/gateway/hold-pool.ts): how many receipts ran on a hold placed ahead, and how many such holds went back unused.
    const [pool] = (await sql`select count(*) filter (where status = 'captured')::int as used, count(*) filter (where status = 'released')::int as unused from holds where meta ? 'pool'`) as unknown as { used: number; unused: number }[];
    await sql.end();
    console.log(`\nreceipts written: ${counts!.receipts} (≥ ${metered} metered in the measured cells + warm-up), credits charged: ${counts!.credits}`);
    console.log(`served on holds placed ahead: ${pool!.used} of ${counts!.receipts} receipts; holds placed ahead given back unused: ${pool!.unused}`);
    console.log(`ledger invariants: ${problems.length === 0 ? "all hold" : problems.join("\n")}; grants below zero: ${neg!.n}`);
    console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    // Figures with failed requests in them are not figures of the gateway doing its job.
    if (failed > 0) console.error(`${failed} request(s) failed in the measured cells (samples above): these figures do not count`);
    if (problems.length > 0 || failed > 0) process.exitCode = 1;
  } finally {
    front?.kill("SIGTERM");
    next?.kill("SIGTERM");
    for (const stop of stops) await stop().catch(() => {});
  }
}

/**
 * Where one metered request's time goes, from the gateway's own `server-timing` header: medians
 * over 300 sequential non-streaming requests (1 client), next to the end-to-end time.
 */
async function printPhaseBreakdown(app: string, keys: string[], nextDirect?: string): Promise<void> {
  const samples = new Map<string, number[]>();
  const total: number[] = [];
  // The first 300 are not measured: after the pause since the last cell every key's lane of the hold
  // pool is cold (lib/gateway/hold-pool.ts), and it takes a key's second request to warm it.
  for (let i = 0; i < 600; i++) {
    const t0 = performance.now();
    const res = await fetch(app, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${keys[i % keys.length]!}` }, body: JSON.stringify(body("standard", i, false)) });
    await res.text();
    if (i < 300) continue;
    total.push(performance.now() - t0);
    for (const part of (res.headers.get("server-timing") ?? "").split(",")) {
      const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
      if (m) (samples.get(m[1]!) ?? samples.set(m[1]!, []).get(m[1]!)!).push(Number(m[2]));
    }
  }
  // The floor: the same app answering GET /api/health (Next routing + proxy + one `select 1`).
  // With the front server, the same request straight to Next too, interleaved: the proxy hop's cost
  // for everything the front server does not serve itself (pages, the rest of the API).
  const health: number[] = [];
  const healthDirect: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    await (await fetch(app.replace("/v1/chat/completions", "/health"))).text();
    health.push(performance.now() - t0);
    if (!nextDirect) continue;
    const t1 = performance.now();
    await (await fetch(`${nextDirect}/api/health`)).text();
    healthDirect.push(performance.now() - t1);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  // A request has either "reserve" (it held for itself) or "reserve-ahead" (it took a hold placed ahead).
  const rows: TableRow[] = [...samples.entries()].map(([phase, xs]) => ({ phase, requests: xs.length, "median ms": median(xs) }));
  const inside = rows.filter((r) => (r.requests as number) * 2 >= total.length).reduce((s, r) => s + (r["median ms"] as number), 0);
  rows.push(
    { phase: "sum of phases most requests had", requests: total.length, "median ms": inside },
    { phase: "end to end (fetch)", requests: total.length, "median ms": median(total) },
    { phase: "GET /api/health (app floor)", requests: health.length, "median ms": median(health) },
  );
  if (nextDirect) rows.push({ phase: "GET /api/health, Next direct", requests: healthDirect.length, "median ms": median(healthDirect) });
  console.log("\nphases of one non-streaming gateway request (server-timing medians, 1 client):");
  printTable(rows);
}

function row(stream: boolean, clients: number, d: LoadResult, g: LoadResult): TableRow {
  return {
    mode: stream ? "stream" : "json",
    clients,
    "direct req/s": d.rps,
    "direct p50": d.p50Ms,
    "direct p99": d.p99Ms,
    "gateway req/s": g.rps,
    "gateway p50": g.p50Ms,
    "gateway p99": g.p99Ms,
    "added p50 ms": g.p50Ms - d.p50Ms,
    "added p99 ms": g.p99Ms - d.p99Ms,
    errors: d.errors + g.errors,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
