"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { signInLocal, signInSchema, signUpLocal, signUpSchema } from "@/lib/auth/local/sign-in";
import { deleteSession, SESSION_COOKIE } from "@/lib/auth/local/sessions";
import { CURRENT_ACCOUNT_COOKIE, sessionCookieOptions } from "@/lib/auth/cookies";
import { clientAddress } from "@/lib/auth/server";
import { formToObject, runAction, type ActionResult } from "@/lib/http/action";
import { invalidInput } from "@/lib/http/errors";

/** Only same-site paths: an open redirect after sign-in would hand sessions to phishers. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/dashboard";
}

export async function signUpAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  const result = await runAction(async () => {
    const parsed = signUpSchema.safeParse(formToObject(form));
    if (!parsed.success) throw invalidInput(parsed.error);
    const { session } = await signUpLocal(getDb(), parsed.data);
    (await cookies()).set(SESSION_COOKIE, session.token, sessionCookieOptions(session.expiresAt));
    return { ok: true };
  });
  if (result?.ok) redirect("/dashboard");
  return result;
}

export async function signInAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  const fields = formToObject(form);
  const result = await runAction(async () => {
    const parsed = signInSchema.safeParse(fields);
    if (!parsed.success) throw invalidInput(parsed.error);
    const { session } = await signInLocal(getDb(), parsed.data, await clientAddress());
    (await cookies()).set(SESSION_COOKIE, session.token, sessionCookieOptions(session.expiresAt));
    return { ok: true };
  });
  if (result?.ok) redirect(safeNext(fields.next));
  return result;
}

export async function signOutAction(): Promise<void> {
  const jar = await cookies();
  const token = jar.get(SESSION_COOKIE)?.value;
  if (token) await deleteSession(getDb(), token);
  jar.delete(SESSION_COOKIE);
  jar.delete(CURRENT_ACCOUNT_COOKIE);
  redirect("/sign-in");
}
