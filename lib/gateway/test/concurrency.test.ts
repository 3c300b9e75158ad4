import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { checkLedgerInvariants, sweepStaleHolds } from "@/lib/ledger";
import type { MockLlm } from "@/tools/mock-llm";
import { countPromptTokens } from "../tokens";
import { setBreakerEnabled } from "@/lib/protection/defaults";
import { eventually, makeAccountWithExactly, makePayingAccount, rawCall, startGatewayRig, balanceAfter, receiptAfter } from "./harness";

let t: TestDb;
let mock: MockLlm;

beforeAll(async () => {
  t = await createTestDb({ max: 20 });
  ({ mock } = await startGatewayRig({ GATEWAY_RATE_LIMIT_RPS: "0" }));
});

describe("concurrency and crashes", () => {
  it("200 concurrent streams, each holding and using exactly H, on a balance of 50·H → exactly 50 complete, 150 × 402, balance 0, invariants hold", async () => {
    const content = "Race [mock tokens=40]";
    const H = countPromptTokens([{ role: "user", content }]) + 40;
    const a = await makeAccountWithExactly(t.db, 50 * H);
    // 200 identical prompts from one key is exactly the agent-loop signature the circuit breaker
    // stops (tests/protection covers that); this test is about the ledger's race, so it is off.
    await setBreakerEnabled(t.db, a.accountId, false);
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(50 * H);

    const calls = mock.stats().chatCompletions;
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages: [{ role: "user", content }], max_tokens: 40, stream: true, stream_options: { include_usage: true } } });
        if (res.status !== 200) return { status: res.status, type: (await res.json()).error.type as string };
        const text = await res.text();
        return { status: 200, done: text.endsWith("data: [DONE]\n\n"), credits: /"credits_charged":(\d+)/.exec(text)?.[1] };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(50);
    expect(ok.every((r) => r.done && Number(r.credits) === H)).toBe(true);
    expect(results.filter((r) => r.status === 402 && r.type === "insufficient_credits")).toHaveLength(150);
    expect(mock.stats().chatCompletions - calls).toBe(50);
    const after = await eventually(async () => {
      const b = await balanceAfter(t.db, a.accountId);
      return b.heldCredits === 0 ? b : null;
    });
    expect(after.availableCredits).toBe(0);
    expect(after.remainingCredits).toBe(0);
    expect(await checkLedgerInvariants(t.db, [a.accountId])).toEqual([]);
  });

  it("a stream whose process dies keeps its hold until it expires (900 s); the sweeper then releases it and nothing is charged", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const controller = new AbortController();
    const res = await rawCall("/chat/completions", {
      apiKey: a.apiKey,
      body: { model: "standard", messages: [{ role: "user", content: "Crash [mock tokens=100 slow_ms=100]" }], max_tokens: 100, stream: true },
      signal: controller.signal,
    });
    const requestId = res.headers.get("x-request-id")!;
    const held = Number(res.headers.get("x-credits-held"));
    expect((await balanceAfter(t.db, a.accountId)).heldCredits).toBe(held);
    // The "crash": nothing settles this request any more. 899 s later the hold is still there…
    expect(await sweepStaleHolds(t.db, new Date(Date.now() + 899_000))).toBe(0);
    // …and 901 s later the sweeper releases it.
    expect(await sweepStaleHolds(t.db, new Date(Date.now() + 901_000))).toBe(1);
    const swept = await balanceAfter(t.db, a.accountId);
    expect(swept.heldCredits).toBe(0);
    expect(swept.availableCredits).toBe(before.availableCredits);
    // The request "comes back to life" and tries to settle: the ledger refuses, nothing is charged.
    controller.abort();
    await new Promise((r) => setTimeout(r, 300));
    expect(await receiptAfter(t.db, a.accountId, requestId)).toBeNull();
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
    expect(await checkLedgerInvariants(t.db, [a.accountId])).toEqual([]);
  });
});
