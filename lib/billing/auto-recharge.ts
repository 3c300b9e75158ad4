import { and, eq, inArray, isNull, lt, not, or, like } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "@/db/client";
import { autoRecharge } from "@/db/schema";
import { recordAudit } from "@/lib/accounts/audit";
import { notifyAutoRechargeFailed } from "@/lib/notifications/billing-events";
import type { AccountContext } from "@/lib/accounts/roles";
import { findPack } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";
import { getBalance } from "@/lib/ledger";
import { customerIdForAccount } from "./customers";
import type { BillingDeps } from "./deps";
import { fulfilPurchase, markPurchaseFailed, recordPendingPurchase } from "./purchases";

export const AUTO_RECHARGE_KIND = "auto_recharge";
/** A charge not settled after this long is considered lost (the worker died mid-call) and may be retried. */
const IN_FLIGHT_TIMEOUT_MS = 10 * 60_000;

export type AutoRechargeSettings = { enabled: boolean; thresholdCredits: number; packKey: string; lastError: string | null; inFlight: boolean };

export async function getAutoRecharge(db: Db, accountId: string): Promise<AutoRechargeSettings | null> {
  const [row] = await db.select().from(autoRecharge).where(eq(autoRecharge.accountId, accountId));
  if (!row) return null;
  return { enabled: row.enabled, thresholdCredits: row.thresholdCredits, packKey: row.packKey, lastError: row.lastError, inFlight: row.inFlightPaymentIntentId !== null };
}

/** Opt in or out. Turning it on needs a saved card, which a first pack purchase leaves behind. */
export async function setAutoRecharge(db: Db, actor: AccountContext, input: { enabled: boolean; thresholdCredits: number; packKey: string }) {
  if (!findPack(input.packKey)) throw new AppError("invalid_input", `Unknown credit pack "${input.packKey}"`);
  if (input.enabled && !(await customerIdForAccount(db, actor.accountId))) {
    throw new AppError("conflict", "Buy a credit pack first: auto-recharge uses the card saved with it");
  }
  const values = { enabled: input.enabled, thresholdCredits: input.thresholdCredits, packKey: input.packKey, lastError: null, updatedAt: new Date() };
  await db.transaction(async (tx) => {
    await tx.insert(autoRecharge).values({ accountId: actor.accountId, ...values }).onConflictDoUpdate({ target: autoRecharge.accountId, set: values });
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "billing.auto_recharge_set", after: input });
  });
}

async function savedCardOrNull(stripe: Stripe, customerId: string): Promise<string | null> {
  const customer = await stripe.customers.retrieve(customerId);
  if (!customer.deleted) {
    const pm = customer.invoice_settings?.default_payment_method;
    if (pm) return typeof pm === "string" ? pm : pm.id;
  }
  const list = await stripe.paymentMethods.list({ customer: customerId, type: "card", limit: 1 });
  return list.data[0]?.id ?? null;
}

/**
 * A decline turns auto-recharge off and says why (shown on the billing page, recorded in the audit
 * log). Only the charge that is in flight (`inFlight`: its claim token or PaymentIntent id) can do
 * it, so the synchronous decline and its payment_intent.payment_failed webhook act once, and an
 * old webhook cannot turn off a setting the user has since turned back on.
 */
async function disableAfterDecline(db: Db, accountId: string, inFlight: string[], paymentIntentId: string | null, message: string) {
  const changed = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(autoRecharge)
      .set({ enabled: false, inFlightPaymentIntentId: null, inFlightSince: null, lastError: message, updatedAt: new Date() })
      .where(and(eq(autoRecharge.accountId, accountId), inArray(autoRecharge.inFlightPaymentIntentId, inFlight)))
      .returning({ id: autoRecharge.accountId });
    if (!row) return false;
    await recordAudit(tx, { accountId, actorUserId: null, action: "billing.auto_recharge_declined", targetType: "payment_intent", targetId: paymentIntentId ?? undefined, reason: message });
    return true;
  });
  // After the commit: the notice goes out only for a decline that is on record (background, deduped per charge).
  if (changed) notifyAutoRechargeFailed(db, { accountId, reference: paymentIntentId ?? inFlight[0] ?? accountId, message });
  if (paymentIntentId) await markPurchaseFailed(db, paymentIntentId);
}

/** Settles the charge that is in flight, whether the row still holds its claim token or its PaymentIntent id. */
async function settleSuccess(db: Db, accountId: string, inFlight: string[], paymentIntentId: string, amountCents: number) {
  const result = await fulfilPurchase(db, { purchaseId: paymentIntentId, paymentIntentId, amountPaidCents: amountCents });
  await db
    .update(autoRecharge)
    .set({ inFlightPaymentIntentId: null, inFlightSince: null, lastRechargedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(autoRecharge.accountId, accountId), inArray(autoRecharge.inFlightPaymentIntentId, inFlight)));
  return result;
}

const CLAIM_PREFIX = "claim_";

/**
 * A claim whose Stripe call ended without a definitive answer (timeout, 5xx: the charge may or
 * may not exist) is kept, with its token, until a retry with the same idempotency key gets one;
 * `in_flight_since` NULL marks it ready for that retry. A claim whose worker died is retried the
 * same way once stale.
 */
function unansweredClaim(row: { inFlightPaymentIntentId: string | null; inFlightSince: Date | null }, stale: Date): string | null {
  const token = row.inFlightPaymentIntentId;
  if (!token?.startsWith(CLAIM_PREFIX)) return null;
  return row.inFlightSince === null || row.inFlightSince < stale ? token : null;
}

/** Stripe said nothing definitive: the request may have been applied. */
function isUnanswered(e: unknown): boolean {
  return e instanceof Stripe.errors.StripeConnectionError || e instanceof Stripe.errors.StripeAPIError || e instanceof Stripe.errors.StripeRateLimitError || !(e instanceof Stripe.errors.StripeError);
}

export type RechargeOutcome = { accountId: string; outcome: "charged" | "declined" | "no_card" | "skipped"; detail?: string };

/**
 * Buys the chosen pack off-session for one account if its balance is under the threshold. The
 * conditional claim (in_flight NULL → a claim token) keeps it to one charge in flight; the
 * idempotency key built from the token makes a retried call the same charge. An unanswered
 * claim is retried first, with its token, whatever the balance (its charge may have landed).
 */
export async function rechargeAccountIfLow(deps: Pick<BillingDeps, "db" | "stripe">, accountId: string): Promise<RechargeOutcome> {
  const { db, stripe } = deps;
  const [settings] = await db.select().from(autoRecharge).where(eq(autoRecharge.accountId, accountId));
  const pack = settings ? findPack(settings.packKey) : undefined;
  if (!settings?.enabled || !pack) return { accountId, outcome: "skipped", detail: "off" };
  const stale = new Date(Date.now() - IN_FLIGHT_TIMEOUT_MS);
  const retry = unansweredClaim(settings, stale);
  let token: string;
  if (retry) {
    const [claimed] = await db
      .update(autoRecharge)
      .set({ inFlightSince: new Date() })
      .where(and(eq(autoRecharge.accountId, accountId), eq(autoRecharge.inFlightPaymentIntentId, retry), or(isNull(autoRecharge.inFlightSince), lt(autoRecharge.inFlightSince, stale))))
      .returning({ id: autoRecharge.accountId });
    if (!claimed) return { accountId, outcome: "skipped", detail: "one already in flight" };
    token = retry;
  } else {
    const balance = await getBalance(db, accountId);
    if (balance.availableCredits >= settings.thresholdCredits) return { accountId, outcome: "skipped", detail: "above threshold" };
    token = `${CLAIM_PREFIX}${accountId}_${Date.now()}`;
    // A stale PaymentIntent id (never settled) may be replaced; a claim token never is (see above).
    const [claimed] = await db
      .update(autoRecharge)
      .set({ inFlightPaymentIntentId: token, inFlightSince: new Date() })
      .where(
        and(
          eq(autoRecharge.accountId, accountId),
          eq(autoRecharge.enabled, true),
          or(isNull(autoRecharge.inFlightPaymentIntentId), and(lt(autoRecharge.inFlightSince, stale), not(like(autoRecharge.inFlightPaymentIntentId, `${CLAIM_PREFIX}%`)))),
        ),
      )
      .returning({ id: autoRecharge.accountId });
    if (!claimed) return { accountId, outcome: "skipped", detail: "one already in flight" };
  }
  const customer = await customerIdForAccount(db, accountId);
  const card = customer ? await savedCardOrNull(stripe, customer) : null;
  if (!customer || !card) {
    await disableAfterDecline(db, accountId, [token], null, "Auto-recharge is off: there is no saved card. Buy a pack to save one.");
    return { accountId, outcome: "no_card" };
  }
  const metadata = { account_id: accountId, kind: AUTO_RECHARGE_KIND, pack_key: pack.key, claim: token };
  try {
    const pi = await stripe.paymentIntents.create(
      { amount: pack.priceCents, currency: "usd", customer, payment_method: card, off_session: true, confirm: true, metadata, description: `Auto-recharge: ${pack.name}` },
      { idempotencyKey: `meterline-${token}` },
    );
    await recordPendingPurchase(db, { id: pi.id, accountId, kind: "auto_recharge", pack, paymentIntentId: pi.id });
    await db.update(autoRecharge).set({ inFlightPaymentIntentId: pi.id }).where(and(eq(autoRecharge.accountId, accountId), eq(autoRecharge.inFlightPaymentIntentId, token)));
    if (pi.status === "succeeded") {
      await settleSuccess(db, accountId, [pi.id, token], pi.id, pi.amount_received);
      return { accountId, outcome: "charged", detail: pi.id };
    }
    // Anything else (e.g. requires_action) settles through payment_intent.* webhooks.
    return { accountId, outcome: "charged", detail: `${pi.id} ${pi.status}` };
  } catch (e) {
    if (e instanceof Stripe.errors.StripeCardError || (e instanceof Stripe.errors.StripeError && e.code === "authentication_required")) {
      const piId = (e.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent?.id ?? null;
      await disableAfterDecline(db, accountId, [token], piId, `Auto-recharge is off: your card was declined (${e.message})`);
      return { accountId, outcome: "declined", detail: e.message };
    }
    // No definitive answer: the charge may exist. Keep the token (the next run retries with the same
    // idempotency key, so Stripe returns that charge instead of making a second one). A definitive
    // refusal that is not a decline made no charge: drop the claim.
    const unanswered = isUnanswered(e);
    await db
      .update(autoRecharge)
      .set(unanswered ? { inFlightSince: null } : { inFlightPaymentIntentId: null, inFlightSince: null })
      .where(and(eq(autoRecharge.accountId, accountId), eq(autoRecharge.inFlightPaymentIntentId, token)));
    throw e;
  }
}

/** The job: every opted-in account with nothing in flight. */
export async function runAutoRecharge(deps: Pick<BillingDeps, "db" | "stripe">): Promise<RechargeOutcome[]> {
  const rows = await deps.db.select({ accountId: autoRecharge.accountId }).from(autoRecharge).where(eq(autoRecharge.enabled, true));
  const out: RechargeOutcome[] = [];
  for (const { accountId } of rows) out.push(await rechargeAccountIfLow(deps, accountId));
  return out;
}

/** payment_intent.succeeded / payment_failed for an auto-recharge (the async path). */
export async function onAutoRechargePaymentIntent(deps: Pick<BillingDeps, "db" | "stripe">, paymentIntentId: string): Promise<{ outcome: string; accountId: string | null }> {
  const pi = await deps.stripe.paymentIntents.retrieve(paymentIntentId);
  const accountId = pi.metadata?.account_id ?? null;
  if (pi.metadata?.kind !== AUTO_RECHARGE_KIND || !accountId) return { outcome: `payment intent ${pi.id}: not an auto-recharge`, accountId: null };
  const pack = findPack(pi.metadata.pack_key ?? "");
  if (!pack) return { outcome: `payment intent ${pi.id}: unknown pack`, accountId };
  await recordPendingPurchase(deps.db, { id: pi.id, accountId, kind: "auto_recharge", pack, paymentIntentId: pi.id });
  // The row holds the PaymentIntent id, or still the claim token if the create call's answer was lost.
  const inFlight = pi.metadata.claim ? [pi.id, pi.metadata.claim] : [pi.id];
  if (pi.status === "succeeded") {
    const r = await settleSuccess(deps.db, accountId, inFlight, pi.id, pi.amount_received);
    return { outcome: `auto-recharge ${pi.id}: ${r.outcome}`, accountId };
  }
  if (pi.status === "requires_payment_method" || pi.status === "canceled") {
    await disableAfterDecline(deps.db, accountId, inFlight, pi.id, `Auto-recharge is off: your card was declined (${pi.last_payment_error?.message ?? pi.status})`);
    return { outcome: `auto-recharge ${pi.id}: declined, turned off`, accountId };
  }
  return { outcome: `auto-recharge ${pi.id}: ${pi.status}, waiting`, accountId };
}
