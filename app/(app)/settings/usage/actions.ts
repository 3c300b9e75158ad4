"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { accountAction } from "@/lib/http/action";
import { limitsFormSchema, updateLimitsFromForm } from "@/lib/usage/limits-form";

/** Owners and admins only (checked here and again in the ledger); audited; applies to the next request. */
export const updateLimitsAction = accountAction(limitsFormSchema, { minRole: "admin" }, async (input, ctx) => {
  await updateLimitsFromForm(getDb(), ctx, input);
  revalidatePath("/", "layout");
  return { ok: true, message: "Limits saved. They apply from the next request." };
});
