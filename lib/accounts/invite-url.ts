import { getEnv } from "@/lib/config/env";

export function inviteUrl(token: string): string {
  return `${getEnv().APP_URL}/invite/${token}`;
}
