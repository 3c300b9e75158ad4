import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { clerkMiddleware } from "@clerk/nextjs/server";
import { SESSION_COOKIE } from "./local/sessions";

/** Pages that need a signed-in user. APIs authenticate themselves (API key or session). */
// /admin is left out on purpose: its layout answers 404 to anyone but a platform admin, signed out included.
const PROTECTED_PREFIXES = ["/dashboard", "/settings", "/playground", "/notifications"];

function clerkConfigured(): boolean {
  return Boolean(process.env.CLERK_SECRET_KEY && process.env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY);
}

// Under Clerk the proxy only attaches Clerk's session; each page and route checks it itself
// (requireIdentity / withAccount), which Clerk recommends over path matching.
const clerkProxy = clerkMiddleware();

/**
 * Local sign-in: an optimistic check only (is there a session cookie?) so signed-out visitors are
 * sent to /sign-in without a database call; every page and action verifies the session itself.
 */
function localProxy(req: NextRequest): NextResponse {
  const { pathname, search } = req.nextUrl;
  const needsSession = PROTECTED_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  if (needsSession && !req.cookies.get(SESSION_COOKIE)) {
    const url = new URL("/sign-in", req.url);
    url.searchParams.set("next", pathname + search);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export function authProxy(req: NextRequest, event: NextFetchEvent) {
  return clerkConfigured() ? clerkProxy(req, event) : localProxy(req);
}
