/**
 * `npm run bench:breaker`: the circuit breaker's cost on the request path, in process (no
 * database: the checks never touch it). Measures the two hooks the gateway calls —
 * assertBreakerAllows (before the hold: frozen/cautious check + agent-loop fingerprint) and
 * afterCapture's spend accounting — at realistic and large window sizes, to show the cost does
 * not grow with them. Prints ns per call (median of 5 runs).
 */
import { performance } from "node:perf_hooks";
import type { Db } from "@/db/client";
import { requestFingerprint } from "@/lib/protection/breaker/fingerprint";
import { breaker, resetBreakerForTests } from "@/lib/protection/breaker/registry";
import { BreakerState } from "@/lib/protection/breaker/state";
import { assertBreakerAllows } from "@/lib/protection/breaker/guard";
import { resetProtectionConfigForTests, getProtectionConfig } from "@/lib/protection/config";
import { printTable } from "./print-table";

const ITER = Number(process.env.BENCH_ITER ?? 200_000);
const ACCOUNTS = 10_000;
const KEYS_PER_ACCOUNT = 3;

// A realistic agent request: a system prompt, a few turns, ~2 KB of text in the last two messages.
const body = {
  model: "standard",
  messages: [
    { role: "system", content: "You are a coding agent. ".repeat(20) },
    { role: "user", content: "Fix the failing test in src/ledger.ts and run the suite again. ".repeat(8) },
    { role: "assistant", content: "I ran the tests: 3 failed. Looking at ledger.ts line 120 now. ".repeat(8) },
    { role: "user", content: "Tool output: Error at step 41: expected 300 got 250\n".repeat(16) },
  ],
};

const bodies = Array.from({ length: 64 }, (_, v) => ({
  ...body,
  messages: [...body.messages.slice(0, 3), { role: "user", content: `Tool output variant ${String.fromCharCode(97 + (v % 26))}${String.fromCharCode(97 + (v >> 3))}: `.repeat(40) }],
}));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(fn: (i: number) => void): number {
  for (let i = 0; i < 10_000; i++) fn(i); // warm up
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < ITER; i++) fn(i);
    runs.push(((performance.now() - t0) * 1e6) / ITER);
  }
  return median(runs);
}

type Row = { name: string; window: string; nsPerOp: number; opsPerSec: number };
const rows: Row[] = [];
const add = (name: string, window: string, ns: number) => rows.push({ name, window, nsPerOp: Math.round(ns), opsPerSec: Math.round(1e9 / ns) });

const stubDb = {} as Db; // the hot path never queries it (sync is pushed out below)

for (const [repeats, windowS] of [
  [30, 60],
  [300, 600],
  [3_000, 3_600],
] as const) {
  process.env.BREAKER_LOOP_REPEATS = String(repeats);
  process.env.BREAKER_LOOP_WINDOW_SECONDS = String(windowS);
  process.env.BREAKER_SYNC_INTERVAL_MS = String(1e12);
  resetProtectionConfigForTests();
  const label = `loop ${repeats} in ${windowS}s, ${ACCOUNTS.toLocaleString()} accounts × ${KEYS_PER_ACCOUNT} keys`;
  let now = Date.now();
  const r = resetBreakerForTests({ now: () => now });
  r.lastSyncAt = now;
  // Every account has history loaded and a full hour of spend in its window.
  for (let a = 0; a < ACCOUNTS; a++) {
    r.state.setBaseline(`acct_${a}`, { creditsPerHour: 1e12, breakerEnabled: true, loadedAt: now });
    for (let m = 0; m < 60; m++) r.state.recordSpend(`acct_${a}`, 1000, now - m * 60_000);
  }
  add("assertBreakerAllows (fingerprint + admit)", label, measure((i) => {
    now += 1;
    const a = i % ACCOUNTS;
    // Rotating bodies keeps one fingerprint from reaching the loop threshold during the bench.
    assertBreakerAllows(stubDb, { accountId: `acct_${a}`, apiKeyId: `key_${a}_${i % KEYS_PER_ACCOUNT}` }, bodies[i % bodies.length]!);
  }));
  add("recordSpend (afterCapture's breaker part)", label, measure((i) => {
    now += 1;
    breaker().state.recordSpend(`acct_${i % ACCOUNTS}`, 500, now);
  }));
}

// The pieces on their own.
const s = new BreakerState(getProtectionConfig().breaker);
let t = Date.now();
add("admit only (no body)", "-", measure((i) => {
  t += 1;
  s.admit(`acct_${i % ACCOUNTS}`, `key_${i % ACCOUNTS}`, null, t);
}));
add("requestFingerprint (~2 KB tail)", "-", measure(() => {
  requestFingerprint(body);
}));

console.log(`breaker micro-benchmark: ${ITER.toLocaleString()} calls per run, median of 5 runs, Node ${process.version}`);
printTable(rows);
