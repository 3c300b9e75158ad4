import { authProxy } from "@/lib/auth/proxy";

/** Route protection lives in lib/auth: it alone knows whether Clerk or the local sign-in is active. */
export default authProxy;

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|jpg|ico|css|js|woff2?)$).*)"],
};
