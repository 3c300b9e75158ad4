import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDbHandle } from "@/db/client";
import { forgetAllCachedApiKeys, listenForApiKeyForgets } from "@/lib/api-keys/key-cache";
import { revokeApiKey } from "@/lib/api-keys/keys";
import { API_KEY_CACHE_CHANNEL, FORGET_ALL } from "@/lib/api-keys/key-cache-broadcast";
import { countPromptTokens } from "@/lib/gateway/tokens";
import { eventually, makePayingAccount, startGatewayRig, receiptAfter } from "@/lib/gateway/test/harness";
import { createTestDb, type TestDb } from "@/tests/db";
import { gatewayRoutes } from "../gateway-routes";
import { createFrontServer, SERVED_BY_HEADER } from "../server";

let t: TestDb;
let base: string;
/** What the stub "Next" received: method, path and headers of each request. */
const nextSaw: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
const servers: http.Server[] = [];

const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  t = await createTestDb();
  await startGatewayRig();
  // A stand-in for `next start`: answers everything with 200 "from next" and two cookies.
  const next = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      nextSaw.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/html", "set-cookie": ["a=1; Path=/", "b=2; Path=/"] }).end("from next");
    });
  });
  const nextPort = await listen(next);
  const { unlisten } = await listenForApiKeyForgets(getDbHandle().sql);
  const front = createFrontServer({ upstream: { host: "127.0.0.1", port: nextPort }, routes: gatewayRoutes });
  base = `http://127.0.0.1:${await listen(front)}`;
  servers.push(front, next);
  afterAll(async () => {
    await unlisten();
    for (const s of servers) await new Promise((r) => s.close(r).closeAllConnections());
  });
});

const user = (content: string) => [{ role: "user" as const, content }];
const complete = (apiKey: string, body: object, signal?: AbortSignal) =>
  fetch(`${base}/api/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body), signal });

describe("front server (npm start): API-key gateway calls in process, the rest proxied to Next", () => {
  it("Bearer completion → served by the front server (Next sees nothing), charged = prompt + completion tokens, receipt written", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = nextSaw.length;
    const res = await complete(a.apiKey, { model: "standard", messages: user("Say hello"), max_tokens: 50 });
    expect(res.status).toBe(200);
    expect(res.headers.get(SERVED_BY_HEADER)).toBe("front");
    // Written whole from the handler's string (one write, with its length), not re-read as a chunked stream.
    const text = await res.text();
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(res.headers.get("transfer-encoding")).toBeNull();
    const data = JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number; credits_charged: number } };
    expect(data.usage.credits_charged).toBe(data.usage.prompt_tokens + data.usage.completion_tokens);
    expect(res.headers.get("x-credits-charged")).toBe(String(data.usage.credits_charged));
    const receipt = await receiptAfter(t.db, a.accountId, res.headers.get("x-request-id")!);
    expect(receipt?.chargedCredits).toBe(data.usage.credits_charged);
    expect(nextSaw.length).toBe(before);
  });

  it("bad body through the front server → 400 in OpenAI's shape, served in process, nothing held", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const res = await fetch(`${base}/api/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${a.apiKey}`, "content-type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect(res.headers.get(SERVED_BY_HEADER)).toBe("front");
    expect(res.headers.get("transfer-encoding")).toBeNull(); // errors too are written whole, with their length
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    expect(await t.sql`select 1 from holds where account_id = ${a.accountId}`).toHaveLength(0);
  });

  it("GET /api/v1/receipts/:id with the key → served in process with the route param; bad key → 401 in OpenAI's shape", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const done = await complete(a.apiKey, { model: "standard", messages: user("Hi"), max_tokens: 5 });
    const requestId = done.headers.get("x-request-id")!;
    const res = await fetch(`${base}/api/v1/receipts/${requestId}`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(res.headers.get(SERVED_BY_HEADER)).toBe("front");
    expect(await res.json()).toMatchObject({ id: requestId, object: "receipt" });
    const bad = await fetch(`${base}/api/v1/models`, { headers: { authorization: "Bearer mk_wrong" } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { type: string } }).error).toBeDefined();
  });

  it("page request and a session (cookie, no Authorization) completion → proxied to Next with host, cookies both ways, x-forwarded-for, body", async () => {
    const page = await fetch(`${base}/dashboard?x=1`, { headers: { cookie: "session=s1" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("from next");
    expect(page.headers.get(SERVED_BY_HEADER)).toBeNull();
    expect(page.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    const seenPage = nextSaw.at(-1)!;
    expect(seenPage).toMatchObject({ method: "GET", url: "/dashboard?x=1" });
    expect(seenPage.headers.host).toBe(new URL(base).host);
    expect(seenPage.headers.cookie).toBe("session=s1");
    expect(seenPage.headers["x-forwarded-for"]).toBe("127.0.0.1");

    const session = await fetch(`${base}/api/v1/chat/completions`, { method: "POST", headers: { cookie: "session=s1", "content-type": "application/json" }, body: '{"model":"standard"}' });
    expect(await session.text()).toBe("from next");
    expect(nextSaw.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/chat/completions", body: '{"model":"standard"}' });
  });

  it("SSE, 5 tokens 80 ms apart → chunks arrive as produced (first content ≥ 240 ms before the end), final chunk carries the charge", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const res = await complete(a.apiKey, { model: "standard", messages: user("Stream [mock tokens=5 slow_ms=80]"), stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get(SERVED_BY_HEADER)).toBe("front");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let firstContentAt = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!firstContentAt && text.includes('"content"')) firstContentAt = Date.now();
    }
    const endedAt = Date.now();
    expect(endedAt - firstContentAt).toBeGreaterThanOrEqual(240);
    expect(text).toMatch(/credits_charged/);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("client aborts mid-stream after 6 chunks of 200 tokens → the disconnect reaches the handler: receipt partial, charged = prompt + tokens generated (< 30)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const messages = user("Long answer [mock tokens=200 slow_ms=15]");
    const controller = new AbortController();
    const res = await complete(a.apiKey, { model: "standard", messages, stream: true, stream_options: { include_usage: true } }, controller.signal);
    const requestId = res.headers.get("x-request-id")!;
    const reader = res.body!.getReader();
    let events = 0;
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          events += new TextDecoder().decode(value).split("\n\n").filter((e) => e.startsWith("data: {")).length;
          if (events >= 6) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    const receipt = await eventually(() => receiptAfter(t.db, a.accountId, requestId));
    expect(receipt.status).toBe("partial");
    expect(receipt.outputTokens).toBeLessThan(30);
    expect(receipt.chargedCredits).toBe(countPromptTokens(messages) + receipt.outputTokens);
  });

  it("key revoked in another process (row updated + NOTIFY on the cache channel) → the front server answers 401 at once, not after the 10 s cache TTL", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const models = () => fetch(`${base}/api/v1/models`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect((await models()).status).toBe(200); // now cached in this process
    await t.sql`update api_keys set revoked_at = now() where id = ${a.apiKeyId}`;
    expect((await models()).status).toBe(200); // the cache still trusts it: what the NOTIFY is for
    await t.sql.notify(API_KEY_CACHE_CHANNEL, a.apiKeyId);
    const status = await eventually(async () => {
      const s = (await models()).status;
      return s === 401 ? s : null;
    }, 2000);
    expect(status).toBe(401);
  });
});

describe("API-key cache forgets, sent by the process that revokes (Next runs with API_KEY_CACHE_BROADCAST=1)", () => {
  it("revokeApiKey → its key id on the channel; forgetAllCachedApiKeys → '*'; with the flag off → nothing sent", async () => {
    const heard: string[] = [];
    const { unlisten } = await t.sql.listen(API_KEY_CACHE_CHANNEL, (payload) => heard.push(payload));
    try {
      const a = await makePayingAccount(t.db, 0);
      process.env.API_KEY_CACHE_BROADCAST = "0";
      forgetAllCachedApiKeys();
      process.env.API_KEY_CACHE_BROADCAST = "1";
      await revokeApiKey(t.db, a.owner, a.apiKeyId);
      forgetAllCachedApiKeys();
      await eventually(async () => (heard.length >= 2 ? heard : null), 2000);
      await new Promise((r) => setTimeout(r, 100)); // anything sent while the flag was off would have arrived first
      // Each NOTIFY goes out on whichever pooled connection is free: arrival order is not guaranteed.
      expect([...heard].sort()).toEqual([FORGET_ALL, a.apiKeyId].sort());
    } finally {
      delete process.env.API_KEY_CACHE_BROADCAST;
      await unlisten();
    }
  });
});
