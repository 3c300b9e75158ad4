"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { accountAction } from "@/lib/http/action";
import { resumeSchema } from "@/lib/protection/schemas";
import { resumeAccountBreaker } from "@/lib/protection/status";

export const resumeBreakerAction = accountAction(resumeSchema, { minRole: "admin" }, async ({ reason }, ctx) => {
  const r = await resumeAccountBreaker(getDb(), ctx, reason);
  revalidatePath("/settings/protection");
  if (r.resumed === 0) return { ok: true, message: "Nothing was tripped" };
  return { ok: true, message: r.cautiousUntil ? `Resumed. Cautious mode (reduced rate) until ${r.cautiousUntil.toISOString()}` : "Resumed" };
});
