import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { createDb } from "@/db/client";
import { billingSubscriptions, memberships, meterOutbox, users } from "@/db/schema";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";

/** The Stripe emulator's URL: tools/dev.ts writes it to the e2e data dir (its port is picked at random). */
export function stripeEmulatorUrl(): string {
  if (process.env.STRIPE_EMULATOR_URL) return process.env.STRIPE_EMULATOR_URL;
  const file = path.resolve(".data/e2e/sandbox.json");
  const url = (JSON.parse(fs.readFileSync(file, "utf8")) as { STRIPE_EMULATOR_URL?: string }).STRIPE_EMULATOR_URL;
  if (!url) throw new Error(`${file} has no STRIPE_EMULATOR_URL: the sandbox does not run the Stripe emulator`);
  return url;
}

async function withDb<T>(fn: (db: ReturnType<typeof createDb>["db"]) => Promise<T>): Promise<T> {
  const { db, sql } = createDb(embeddedDatabaseUrl(Number(process.env.E2E_PG_PORT ?? 54339)), { max: 1 });
  try {
    return await fn(db);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function emulator(pathname: string, body: unknown = {}) {
  const res = await fetch(new URL(pathname, stripeEmulatorUrl()), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`emulator ${pathname}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Ends the current period of the user's live subscription now and bills it, as Stripe does at the
 * renewal date: the emulator's `/_emulator/subscriptions/:id/renew` on a real-time subscription
 * (no test clock, so the app's meter events, stamped with their real capture time, fall inside
 * the billed period). Waits first until the worker has reported every overage credit to Stripe,
 * then until the invoice's webhooks are delivered.
 */
export async function renewSubscriptionNow(email: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sub = await withDb(async (db) => {
    const [row] = await db
      .select({ id: billingSubscriptions.id, accountId: billingSubscriptions.accountId })
      .from(billingSubscriptions)
      .innerJoin(memberships, eq(memberships.accountId, billingSubscriptions.accountId))
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(users.email, email.toLowerCase()), inArray(billingSubscriptions.status, ["active", "past_due"])));
    if (!row) throw new Error(`${email} has no live subscription`);
    for (;;) {
      const pending = await db.select({ id: meterOutbox.id }).from(meterOutbox).where(and(eq(meterOutbox.accountId, row.accountId), isNull(meterOutbox.reportedAt))).limit(1);
      if (pending.length === 0) return row;
      if (Date.now() > deadline) throw new Error("overage was not reported to Stripe in time (is the worker running?)");
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });
  await emulator(`/_emulator/subscriptions/${sub.id}/renew`);
  await emulator(`/_emulator/webhooks/flush?timeoutMs=${Math.max(1_000, deadline - Date.now())}`);
}
