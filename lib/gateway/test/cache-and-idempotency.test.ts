import { beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { gatewayResponseCache } from "@/db/schema";
import type { MockLlm } from "@/tools/mock-llm";
import { setKeySettings } from "../key-settings";
import { clientFor, eventually, makePayingAccount, rawCall, startGatewayRig, balanceAfter, receiptAfter } from "./harness";

let t: TestDb;
let mock: MockLlm;

beforeAll(async () => {
  t = await createTestDb();
  ({ mock } = await startGatewayRig());
});

const body = (content: string, extra: Record<string, unknown> = {}) => ({ model: "standard", messages: [{ role: "user", content }], ...extra });

describe("response cache", () => {
  it("x-cache: on — the 2nd identical request is a hit: upstream not called, 0 credits, receipt says cacheHit", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const first = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Cache me [mock tokens=8]"), headers: { "x-cache": "on" } });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("miss");
    const firstJson = await first.json();
    const afterFirst = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;

    const second = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Cache me [mock tokens=8]"), headers: { "x-cache": "on" } });
    const secondJson = await second.json();
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(second.headers.get("x-credits-charged")).toBe("0");
    expect(mock.stats().chatCompletions).toBe(calls);
    expect(secondJson.choices[0].message.content).toBe(firstJson.choices[0].message.content);
    expect(secondJson.usage).toMatchObject({ credits_charged: 0, cache_hit: true });
    expect(secondJson.id).not.toBe(firstJson.id);
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(afterFirst.availableCredits);
    expect(await receiptAfter(t.db, a.accountId, secondJson.id)).toMatchObject({ cacheHit: true, chargedCredits: 0 });
  });

  it("without opt-in the same request twice is billed twice and calls the upstream twice", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const calls = mock.stats().chatCompletions;
    const r1 = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("No cache [mock tokens=3]") });
    const r2 = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("No cache [mock tokens=3]") });
    expect(mock.stats().chatCompletions - calls).toBe(2);
    expect(Number(r1.headers.get("x-credits-charged"))).toBeGreaterThan(0);
    expect(r2.headers.get("x-credits-charged")).toBe(r1.headers.get("x-credits-charged"));
    expect(r2.headers.get("x-cache")).toBeNull();
  });

  it("a streamed miss fills the cache; a streamed hit replays it as SSE, 0 credits", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const client = a.client;
    const run = async () => {
      const stream = await client.chat.completions.create(
        { model: "standard", messages: [{ role: "user", content: "Stream cache [mock tokens=6]" }], stream: true, stream_options: { include_usage: true } },
        { headers: { "x-cache": "on" } },
      );
      let text = "";
      let credits = -1;
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? "";
        if (c.usage) credits = (c.usage as unknown as { credits_charged: number }).credits_charged;
      }
      return { text, credits };
    };
    const first = await run();
    expect(first.credits).toBeGreaterThan(6);
    // The entry is written just after the stream's last byte: wait for the row, then replay.
    await eventually(async () => {
      const rows = await t.db.select().from(gatewayResponseCache).where(eq(gatewayResponseCache.accountId, a.accountId));
      return rows.length === 1 ? rows : null;
    });
    const calls = mock.stats().chatCompletions;
    const second = await run();
    expect(second.credits).toBe(0);
    expect(second.text).toBe(first.text);
    expect(mock.stats().chatCompletions).toBe(calls);
  });

  it("per-key setting: cacheEnabled on the key → cached without the header; x-cache: off opts out", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    await setKeySettings(t.db, a.owner, a.apiKeyId, { cacheEnabled: true, cacheTtlSeconds: 60 });
    await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Key cache [mock tokens=2]") });
    const hit = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Key cache [mock tokens=2]") });
    expect(hit.headers.get("x-cache")).toBe("hit");
    const off = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Key cache [mock tokens=2]"), headers: { "x-cache": "off" } });
    expect(off.headers.get("x-cache")).toBeNull();
    expect(Number(off.headers.get("x-credits-charged"))).toBeGreaterThan(0);
  });

  it("an expired entry (ttl 1 s, 1.1 s later) is a miss and is billed", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const headers = { "x-cache": "on", "x-cache-ttl": "1" };
    await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Short ttl [mock tokens=2]"), headers });
    await new Promise((r) => setTimeout(r, 1100));
    const again = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Short ttl [mock tokens=2]"), headers });
    expect(again.headers.get("x-cache")).toBe("miss");
  });

  it("the cache is per account: account B does not get account A's entry", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const b = await makePayingAccount(t.db, 10_000);
    await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Tenant [mock tokens=2]"), headers: { "x-cache": "on" } });
    const rb = await rawCall("/chat/completions", { apiKey: b.apiKey, body: body("Tenant [mock tokens=2]"), headers: { "x-cache": "on" } });
    expect(rb.headers.get("x-cache")).toBe("miss");
  });
});

describe("after the charge", () => {
  it("the cache store failing (a trigger raises) still answers 200 with the charge; nothing is cached", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    await t.db.execute(sql`create or replace function gw_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by test'; end $$`);
    await t.db.execute(sql`create trigger gw_test_refuse before insert on gateway_response_cache for each row when (new.account_id = ${sql.raw(`'${a.accountId}'`)}) execute function gw_test_refuse()`);
    try {
      const before = await balanceAfter(t.db, a.accountId);
      const r = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Store fails [mock tokens=3]"), headers: { "x-cache": "on" } });
      expect(r.status).toBe(200);
      const charged = Number(r.headers.get("x-credits-charged"));
      expect(charged).toBeGreaterThan(3);
      expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(charged);
      expect(await t.db.select().from(gatewayResponseCache).where(eq(gatewayResponseCache.accountId, a.accountId))).toHaveLength(0);
    } finally {
      await t.db.execute(sql`drop trigger gw_test_refuse on gateway_response_cache`);
    }
  });
});

describe("Idempotency-Key", () => {
  it("same key twice → same response and request id, upstream called once, charged once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const send = () => rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Once [mock tokens=5]"), headers: { "idempotency-key": "order-1" } });
    const r1 = await send();
    const r2 = await send();
    expect(r2.headers.get("idempotent-replayed")).toBe("true");
    expect(r2.headers.get("x-request-id")).toBe(r1.headers.get("x-request-id"));
    expect(await r2.text()).toBe(await r1.text());
    expect(mock.stats().chatCompletions - calls).toBe(1);
    expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(Number(r1.headers.get("x-credits-charged")));
  });

  it("the official client retrying with the same key after a lost response is charged once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const opts = { headers: { "Idempotency-Key": "client-retry-1" } };
    const req = { model: "standard", messages: [{ role: "user" as const, content: "Client retry [mock tokens=4]" }] };
    const first = await a.client.chat.completions.create(req, opts);
    const retried = await a.client.chat.completions.create(req, opts);
    expect(retried.id).toBe(first.id);
    const charged = first.usage!.prompt_tokens + 4;
    expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(charged);
  });

  it("streams: the replay is the same SSE transcript, charged once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const send = () => rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Stream once [mock tokens=5]", { stream: true }), headers: { "idempotency-key": "stream-1" } });
    const t1 = await (await send()).text();
    const replay = await eventually(async () => {
      const r = await send();
      return r.status === 200 ? r : null;
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(t1);
    expect(t1.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("same key with a different body → 422 idempotency_key_reused, nothing charged", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("First body [mock tokens=2]"), headers: { "idempotency-key": "k-2" } });
    const before = await balanceAfter(t.db, a.accountId);
    const r = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Other body"), headers: { "idempotency-key": "k-2" } });
    expect(r.status).toBe(422);
    expect((await r.json()).error.code).toBe("idempotency_key_reused");
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
  });

  it("concurrent duplicate while the first runs (slow 300 ms) → 409 idempotency_in_progress; later the replay", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const send = () => rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Slow [mock tokens=2 slow_ms=300]"), headers: { "idempotency-key": "k-3" } });
    const first = send();
    await new Promise((r) => setTimeout(r, 100));
    const dup = await send();
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.code).toBe("idempotency_in_progress");
    const r1 = await first;
    expect(r1.status).toBe(200);
    const later = await send();
    expect(later.headers.get("x-request-id")).toBe(r1.headers.get("x-request-id"));
  });

  it("a failed first attempt (upstream down) is not stored: the retry with the same key runs and is billed once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const failing = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Down then up [mock fail_first=3 tokens=2]"), headers: { "idempotency-key": "k-4" } });
    expect(failing.status).toBe(502);
    const before = await balanceAfter(t.db, a.accountId);
    const ok = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Down then up [mock fail_first=3 tokens=2]"), headers: { "idempotency-key": "k-4" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
    expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(Number(ok.headers.get("x-credits-charged")));
  });

  it("keys are per account: the same key on two accounts runs twice", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const b = await makePayingAccount(t.db, 10_000);
    const ra = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Shared key [mock tokens=2]"), headers: { "idempotency-key": "same" } });
    const rb = await rawCall("/chat/completions", { apiKey: b.apiKey, body: body("Shared key [mock tokens=2]"), headers: { "idempotency-key": "same" } });
    expect(rb.headers.get("idempotent-replayed")).toBeNull();
    expect(rb.headers.get("x-request-id")).not.toBe(ra.headers.get("x-request-id"));
    void clientFor;
  });
});
