import { AppError } from "@/lib/errors";
import type { Identity } from "@/lib/auth/identity";

/**
 * Proof that the caller is a platform admin (ADMIN_EMAILS). Only asPlatformAdminOr404 makes one,
 * so every lib/admin function that takes it is server-authorized by its signature.
 */
export type PlatformAdmin = { readonly userId: string; readonly email: string; readonly __platformAdmin: true };

/**
 * Anyone else — signed out, or signed in without the flag — gets a plain 404: the console does
 * not admit it exists.
 */
export function asPlatformAdminOr404(identity: Identity | null | undefined): PlatformAdmin {
  if (!identity?.isPlatformAdmin) throw new AppError("not_found", "Not found");
  return { userId: identity.userId, email: identity.email, __platformAdmin: true };
}
