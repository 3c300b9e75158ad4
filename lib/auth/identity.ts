/**
 * The identity every sign-in mode produces. Nothing outside lib/auth knows whether it came from
 * Clerk or from the local sign-in.
 */
export type Identity = {
  userId: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
};

import { getEnv } from "@/lib/config/env";

export function toIdentity(user: { id: string; email: string; name: string }): Identity {
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    isPlatformAdmin: getEnv().ADMIN_EMAILS.includes(user.email.toLowerCase()),
  };
}
