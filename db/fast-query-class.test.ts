import v8 from "node:v8";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createDb } from "./client";

// V8's own view of an object's layout, through its natives syntax (allowed for code compiled after this).
v8.setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("o", "return %HasFastProperties(o)") as (o: object) => boolean;

const queryClassOf = (sql: postgres.Sql) => Object.getPrototypeOf(sql`select 1`).constructor as object;

describe("postgres.js's Query class (db/fast-query-class.ts)", () => {
  it("a client from createDb: the Query constructor is a fast-mode object (V8 leaves it in dictionary mode by itself)", async () => {
    // Nothing connects: a client opens connections on its first query, and these queries are never run.
    const { sql } = createDb("postgres://nobody@127.0.0.1:1/none", { max: 1 });
    expect(hasFastProperties(queryClassOf(sql))).toBe(true);
    await sql.end();
  });

  it("every client shares the one Query class, and it stays fast-mode", async () => {
    const clients = [createDb("postgres://nobody@127.0.0.1:1/a").sql, createDb("postgres://nobody@127.0.0.1:1/b").sql];
    const [a, b] = clients.map(queryClassOf);
    expect(a).toBe(b);
    expect(hasFastProperties(a!)).toBe(true);
    await Promise.all(clients.map((c) => c.end()));
  });
});
