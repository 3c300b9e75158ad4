import "server-only";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import type { Role } from "@/db/schema";
import { assertRole, type AccountContext } from "@/lib/accounts/roles";
import { requireAccountContext } from "@/lib/auth/server";
import { invalidInput, toAppError } from "./errors";

/** What every server action returns to its form (`useActionState`). */
export type ActionResult<T = unknown> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; message: string; fieldErrors?: Record<string, string[]> }
  | null;

export function formToObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") out[k] = v;
  return out;
}

/** Runs an action body, turning thrown errors into a form result (redirects still propagate). */
export async function runAction<T>(body: () => Promise<ActionResult<T>>): Promise<ActionResult<T>> {
  try {
    return await body();
  } catch (e) {
    unstable_rethrow(e);
    const err = toAppError(e);
    const fields = (err.details?.fields ?? undefined) as Record<string, string[]> | undefined;
    return { ok: false, message: err.message, fieldErrors: fields };
  }
}

/**
 * The one action client: validates the form with zod, resolves the signed-in user's current
 * account, checks the role on the server, runs `fn`, maps errors.
 */
export function accountAction<S extends z.ZodType, T>(
  schema: S,
  options: { minRole?: Role },
  fn: (input: z.infer<S>, ctx: AccountContext) => Promise<ActionResult<T>>,
) {
  return async (_prev: ActionResult<T>, form: FormData): Promise<ActionResult<T>> =>
    runAction(async () => {
      const parsed = schema.safeParse(formToObject(form));
      if (!parsed.success) throw invalidInput(parsed.error);
      const { ctx } = await requireAccountContext();
      if (options.minRole) assertRole(ctx.role, options.minRole);
      return fn(parsed.data, ctx);
    });
}
