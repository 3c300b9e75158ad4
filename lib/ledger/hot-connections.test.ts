import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { HotConnections } from "./hot-connections";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ max: 6 });
  // Open every pool connection, so postgres.js would rotate over all 6 if left to itself.
  await Promise.all(Array.from({ length: 6 }, () => t.sql`select pg_sleep(0.02)`));
});

const pid = (sql: TestDb["sql"]) => sql`select pg_backend_pid() as pid`.then(([r]) => (r as { pid: number }).pid);

describe("hot connections (LIFO reuse for ledger calls)", () => {
  it("6 pool connections open, 5 sequential calls → 1 backend serves all 5 (the pool alone rotates over ≥ 5)", async () => {
    const hot = new HotConnections(t.sql, 3);
    const viaHot = new Set<number>();
    for (let i = 0; i < 5; i++) viaHot.add(await hot.run(pid));
    expect(viaHot.size).toBe(1);
    // The contrast that makes the test meaningful: plain pool queries land on different backends.
    const viaPool = new Set<number>();
    for (let i = 0; i < 5; i++) viaPool.add(await pid(t.sql));
    expect(viaPool.size).toBeGreaterThanOrEqual(4);
  });

  it("size 2, 4 concurrent calls → 4 distinct backends (2 hot, 2 from the pool); afterwards 6 sequential calls use 1 backend", async () => {
    const hot = new HotConnections(t.sql, 2);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => hot.run(async (sql) => (await sql`select pg_sleep(0.05)`, pid(sql)))));
    expect(new Set(concurrent).size).toBe(4);
    const after = new Set<number>();
    for (let i = 0; i < 6; i++) after.add(await hot.run(pid));
    expect(after.size).toBe(1);
    expect(concurrent).toContain([...after][0]);
  });

  it("a server error (1/0) is rethrown and the same connection serves the next call", async () => {
    const hot = new HotConnections(t.sql, 1);
    const before = await hot.run(pid);
    await expect(hot.run((sql) => sql`select 1/0`)).rejects.toThrow(/division by zero/);
    expect(await hot.run(pid)).toBe(before);
  });

  it("the hot connection killed by the server while idle → the next call reconnects (new backend) and succeeds", async () => {
    const hot = new HotConnections(t.sql, 1);
    const victim = await hot.run(pid);
    await t.sql`select pg_terminate_backend(${victim})`;
    await new Promise((r) => setTimeout(r, 50));
    const next = await hot.run(pid);
    expect(next).not.toBe(victim);
    expect(await hot.run(pid)).toBe(next);
  });

  it("ending the shared pool ends the hot connections too: 0 of their backends left", async () => {
    const own = await createTestDb({ max: 2 });
    const hot = new HotConnections(own.sql, 2);
    const backends = await Promise.all([hot.run(async (sql) => (await sql`select pg_sleep(0.05)`, pid(sql))), hot.run(async (sql) => (await sql`select pg_sleep(0.05)`, pid(sql)))]);
    await own.sql.end({ timeout: 1 });
    const [left] = await t.sql`select count(*)::int as n from pg_stat_activity where pid = any(${backends})`;
    expect((left as { n: number }).n).toBe(0);
  });
});
