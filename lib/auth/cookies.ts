import { getEnv } from "@/lib/config/env";

export const CURRENT_ACCOUNT_COOKIE = "ml_account";

/** HttpOnly so scripts cannot read it; SameSite=Lax so cross-site posts do not carry it. */
export function sessionCookieOptions(expires?: Date) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: getEnv().APP_URL.startsWith("https://"),
    path: "/",
    ...(expires ? { expires } : {}),
  };
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}
