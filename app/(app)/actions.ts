"use server";

import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { getMembershipOrThrow } from "@/lib/accounts/memberships";
import { createTeam } from "@/lib/accounts/teams";
import { createTeamSchema } from "@/lib/accounts/schemas";
import { CURRENT_ACCOUNT_COOKIE, sessionCookieOptions } from "@/lib/auth/cookies";
import { requireIdentity } from "@/lib/auth/server";
import { formToObject, runAction, type ActionResult } from "@/lib/http/action";
import { invalidInput } from "@/lib/http/errors";

/** Switches the current account; the membership is checked before the cookie is set. */
export async function switchAccountAction(form: FormData): Promise<void> {
  const identity = await requireIdentity();
  const accountId = String(form.get("accountId") ?? "");
  await getMembershipOrThrow(getDb(), identity.userId, accountId);
  (await cookies()).set(CURRENT_ACCOUNT_COOKIE, accountId, sessionCookieOptions());
  revalidatePath("/", "layout");
}

export async function createTeamAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  let teamId: string | undefined;
  const result = await runAction(async () => {
    const identity = await requireIdentity();
    const parsed = createTeamSchema.safeParse(formToObject(form));
    if (!parsed.success) throw invalidInput(parsed.error);
    const team = await createTeam(getDb(), identity.userId, parsed.data.name);
    teamId = team.id;
    (await cookies()).set(CURRENT_ACCOUNT_COOKIE, team.id, sessionCookieOptions());
    return { ok: true };
  });
  if (result?.ok && teamId) redirect("/settings/team");
  return result;
}
