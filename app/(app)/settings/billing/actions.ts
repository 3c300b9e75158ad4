"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { setAutoRecharge } from "@/lib/billing/auto-recharge";
import { createPackCheckout } from "@/lib/billing/checkout";
import { billingDeps } from "@/lib/billing/runtime";
import { autoRechargeSchema, buyPackSchema, planSchema } from "@/lib/billing/schemas";
import { cancelAtPeriodEnd, changePlan, createPortalLink, createSubscriptionCheckout, resumeSubscription } from "@/lib/billing/subscriptions";
import { accountAction } from "@/lib/http/action";

// Billing is managed by admins and owners; members see the page read-only.
const admin = { minRole: "admin" } as const;

export const buyPackAction = accountAction(buyPackSchema, admin, async ({ packKey }, ctx) => {
  const { url } = await createPackCheckout(billingDeps(), ctx, packKey);
  redirect(url);
});

export const subscribeAction = accountAction(planSchema, admin, async ({ plan }, ctx) => {
  const { url } = await createSubscriptionCheckout(billingDeps(), ctx, plan);
  redirect(url);
});

export const changePlanAction = accountAction(planSchema, admin, async ({ plan }, ctx) => {
  const r = await changePlan(billingDeps(), ctx, plan);
  revalidatePath("/settings/billing");
  return { ok: true, message: r.plan === plan ? `Now on ${plan}` : `Switching to ${plan} at the end of the period` };
});

export const cancelAction = accountAction(z.object({}), admin, async (_input, ctx) => {
  await cancelAtPeriodEnd(billingDeps(), ctx);
  revalidatePath("/settings/billing");
  return { ok: true, message: "Your subscription ends at the end of the period" };
});

export const resumeAction = accountAction(z.object({}), admin, async (_input, ctx) => {
  await resumeSubscription(billingDeps(), ctx);
  revalidatePath("/settings/billing");
  return { ok: true, message: "Your subscription continues" };
});

export const portalAction = accountAction(z.object({}), admin, async (_input, ctx) => {
  const { url } = await createPortalLink(billingDeps(), ctx);
  redirect(url);
});

export const setAutoRechargeAction = accountAction(autoRechargeSchema, admin, async (input, ctx) => {
  await setAutoRecharge(getDb(), ctx, input);
  revalidatePath("/settings/billing");
  return { ok: true, message: input.enabled ? "Auto-recharge is on" : "Auto-recharge is off" };
});
