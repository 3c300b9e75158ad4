import { authProxy } from "@/lib/auth/proxy";

/** Route protection lives in lib/auth: it alone knows whether Clerk or the local sign-in is active. */
export default authProxy;

export const config = {
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|jpg|ico|css|js|woff2?)$).*)",
      // API-key calls (the metered gateway's hot path) authenticate themselves and need neither
      // the sign-in redirect nor Clerk's session: skipping the proxy saves its per-request cost.
      missing: [{ type: "header", key: "authorization" }],
    },
  ],
};
