"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { acceptInvite } from "@/lib/accounts/invites";
import { CURRENT_ACCOUNT_COOKIE, sessionCookieOptions } from "@/lib/auth/cookies";
import { requireIdentity } from "@/lib/auth/server";
import { runAction, type ActionResult } from "@/lib/http/action";

export async function acceptInviteAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  let accountId: string | undefined;
  const result = await runAction(async () => {
    const identity = await requireIdentity();
    const accepted = await acceptInvite(getDb(), identity, String(form.get("token") ?? ""));
    accountId = accepted.accountId;
    (await cookies()).set(CURRENT_ACCOUNT_COOKIE, accepted.accountId, sessionCookieOptions());
    return { ok: true };
  });
  if (result?.ok && accountId) redirect("/settings/team");
  return result;
}
