import "server-only";
import { notFound } from "next/navigation";
import type { z } from "zod";
import { getIdentity } from "@/lib/auth/server";
import { formToObject, runAction, type ActionResult } from "@/lib/http/action";
import { invalidInput } from "@/lib/http/errors";
import { asPlatformAdminOr404, type PlatformAdmin } from "../authz";

/** Pages and layouts under /admin: the platform admin, or Next's 404 page for anyone else. */
export async function requirePlatformAdminOr404(): Promise<PlatformAdmin> {
  const identity = await getIdentity();
  if (!identity?.isPlatformAdmin) notFound();
  return asPlatformAdminOr404(identity);
}

/**
 * The console's action client: a non-admin gets a 404 (notFound, before the input is even read);
 * then the form is validated with zod and errors become a form result, as in lib/http/action.ts.
 */
export function adminAction<S extends z.ZodType, T>(schema: S, fn: (input: z.infer<S>, admin: PlatformAdmin) => Promise<ActionResult<T>>) {
  return async (_prev: ActionResult<T>, form: FormData): Promise<ActionResult<T>> => {
    const admin = await requirePlatformAdminOr404();
    return runAction(async () => {
      const parsed = schema.safeParse(formToObject(form));
      if (!parsed.success) throw invalidInput(parsed.error);
      return fn(parsed.data, admin);
    });
  };
}
