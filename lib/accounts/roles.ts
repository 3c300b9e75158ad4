import type { Role } from "@/db/schema";
import { forbidden } from "@/lib/errors";

export const roleRank: Record<Role, number> = { member: 1, admin: 2, owner: 3 };
export const roles: readonly Role[] = ["owner", "admin", "member"] as const;

export function hasRole(role: Role, atLeast: Role): boolean {
  return roleRank[role] >= roleRank[atLeast];
}

export function assertRole(role: Role, atLeast: Role, action = "do that"): void {
  if (!hasRole(role, atLeast)) throw forbidden(`Only ${atLeast}s and above can ${action}`);
}

/** Who is acting on an account, after authentication and the membership check. */
export type AccountContext = {
  accountId: string;
  userId: string;
  role: Role;
  via: "session" | "api_key";
  apiKeyId?: string;
};
