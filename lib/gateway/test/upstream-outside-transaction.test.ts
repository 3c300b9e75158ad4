import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { makePayingAccount, rawCall, startGatewayRig, receiptAfter } from "./harness";

/**
 * Architecture §3: hold and capture are each one short transaction; the upstream call never runs
 * inside one. While the mock upstream stalls, no session of this test database may sit
 * "idle in transaction" (a transaction held open across the network call).
 */
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await startGatewayRig();
});

async function idleInTransaction(): Promise<number> {
  const [row] = await t.sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`;
  return row!.n;
}

/** Samples the probe every 15 ms until `work` settles; returns the samples and work's result. */
async function sampleDuring<T>(work: Promise<T>): Promise<{ samples: number[]; result: T }> {
  let done = false;
  const tracked = work.finally(() => {
    done = true;
  });
  const samples: number[] = [];
  while (!done) {
    samples.push(await idleInTransaction());
    await new Promise((r) => setTimeout(r, 15));
  }
  return { samples, result: await tracked };
}

const body = (content: string, extra: Record<string, unknown> = {}) => ({ model: "standard", messages: [{ role: "user", content }], ...extra });

describe("the upstream call never runs inside a database transaction", () => {
  it("the probe works: a test transaction left open for 150 ms is seen as 1 idle-in-transaction session", async () => {
    const { samples } = await sampleDuring(
      t.sql.begin(async (tx) => {
        await tx`select 1`;
        await new Promise((r) => setTimeout(r, 150));
      }),
    );
    expect(Math.max(...samples)).toBe(1);
  });

  it("JSON: the upstream stalls 500 ms before answering → 0 idle-in-transaction sessions in every sample (≥ 15 samples)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const { samples, result } = await sampleDuring(rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Stall JSON [mock slow_ms=500 tokens=3]") }));
    expect(result.status).toBe(200);
    expect(samples.length).toBeGreaterThanOrEqual(15);
    expect(samples.filter((n) => n > 0)).toEqual([]);
    expect(await receiptAfter(t.db, a.accountId, result.headers.get("x-request-id")!)).toMatchObject({ status: "succeeded", outputTokens: 3 });
  });

  it("stream: 20 tokens 30 ms apart (≈ 600 ms) → 0 idle-in-transaction sessions in every sample while it streams (≥ 15 samples)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const streamed = (async () => {
      const r = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Stall stream [mock slow_ms=30 tokens=20]", { stream: true }) });
      return { r, text: await r.text() };
    })();
    const { samples, result } = await sampleDuring(streamed);
    expect(result.r.status).toBe(200);
    expect(result.text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(samples.length).toBeGreaterThanOrEqual(15);
    expect(samples.filter((n) => n > 0)).toEqual([]);
  });
});
