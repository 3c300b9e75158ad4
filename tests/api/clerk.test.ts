import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "svix";
import { eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { resetEnvForTests } from "@/lib/config/env";
import { users, memberships } from "@/db/schema";

/**
 * The Clerk SDK is replaced only at its boundary (`@clerk/nextjs/server`): who Clerk says is
 * signed in, and what its user API returns. Everything behind it — user mapping, personal
 * accounts, the route wrapper, svix verification — is the real code on a real Postgres.
 */
const clerk = vi.hoisted(() => ({ userId: null as string | null, users: new Map<string, unknown>() }));
vi.mock("@clerk/nextjs/server", () => ({
  auth: async () => ({ userId: clerk.userId }),
  clerkClient: async () => ({
    users: {
      getUser: async (id: string) => {
        const u = clerk.users.get(id);
        if (!u) throw new Error("not found");
        return u;
      },
    },
  }),
}));

const WEBHOOK_SECRET = `whsec_${Buffer.from("meterline-test-secret-1234567890").toString("base64")}`;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  process.env.CLERK_SECRET_KEY = "sk_test_clerk";
  process.env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY = "pk_test_clerk";
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = WEBHOOK_SECRET;
  resetEnvForTests();
});

beforeEach(() => {
  clerk.userId = null;
});

function clerkApiUser(id: string, email: string) {
  return { id, emailAddresses: [{ id: `idn_${id}`, emailAddress: email }], primaryEmailAddressId: `idn_${id}`, firstName: "Clara", lastName: "Clerk" };
}

function signedWebhook(payload: unknown, secret = WEBHOOK_SECRET) {
  const body = JSON.stringify(payload);
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(id, timestamp, body);
  return new Request("http://localhost/api/webhooks/clerk", {
    method: "POST",
    body,
    headers: { "svix-id": id, "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "svix-signature": signature },
  });
}

describe("Clerk sign-in path", () => {
  it("first request of a Clerk user creates the app user + personal account; the second reuses it", async () => {
    const { GET } = await import("@/app/api/v1/account/route");
    clerk.userId = "user_first";
    clerk.users.set("user_first", clerkApiUser("user_first", "Clara@Example.test"));
    const first = await GET(new Request("http://localhost/api/v1/account"));
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body).toMatchObject({ kind: "personal", role: "owner", via: "session" });
    const second = await (await GET(new Request("http://localhost/api/v1/account"))).json();
    expect(second.id).toBe(body.id);
    const rows = await t.db.select().from(users).where(eq(users.clerkUserId, "user_first"));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.email).toBe("clara@example.test");
  });

  it("signed out under Clerk → 401 (a local session cookie is ignored)", async () => {
    const { GET } = await import("@/app/api/v1/account/route");
    const res = await GET(new Request("http://localhost/api/v1/account", { headers: { cookie: "ml_session=whatever" } }));
    expect(res.status).toBe(401);
  });

  it("user.created webhook signed with svix → user and personal account exist; replay is harmless", async () => {
    const { POST } = await import("@/app/api/webhooks/clerk/route");
    const payload = {
      type: "user.created",
      data: { id: "user_hook", email_addresses: [{ id: "idn_h", email_address: "hook@example.test" }], primary_email_address_id: "idn_h", first_name: "Hook", last_name: null },
    };
    const res = await POST(signedWebhook(payload));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^user\.created: user usr_/);
    expect((await POST(signedWebhook(payload))).status).toBe(200);
    const rows = await t.db.select().from(users).where(eq(users.clerkUserId, "user_hook"));
    expect(rows).toHaveLength(1);
    const owned = await t.db.select().from(memberships).where(eq(memberships.userId, rows[0]!.id));
    expect(owned).toEqual([expect.objectContaining({ role: "owner" })]);
  });

  it("a webhook with a bad signature → 400 and nothing is written", async () => {
    const { POST } = await import("@/app/api/webhooks/clerk/route");
    const payload = { type: "user.created", data: { id: "user_forged", email_addresses: [{ id: "i", email_address: "forged@example.test" }], primary_email_address_id: "i", first_name: null, last_name: null } };
    const forged = signedWebhook(payload, `whsec_${Buffer.from("some-other-secret-0123456789abcd").toString("base64")}`);
    const res = await POST(forged);
    expect(res.status).toBe(400);
    expect(await t.db.select().from(users).where(eq(users.clerkUserId, "user_forged"))).toHaveLength(0);
  });

  it("a tampered body with a valid signature header → 400", async () => {
    const { POST } = await import("@/app/api/webhooks/clerk/route");
    const good = signedWebhook({ type: "user.created", data: { id: "user_t", email_addresses: [], primary_email_address_id: null, first_name: null, last_name: null } });
    const tampered = new Request(good.url, { method: "POST", headers: good.headers, body: (await good.text()).replace("user_t", "user_x") });
    expect((await POST(tampered)).status).toBe(400);
  });
});
