import { ClerkProvider } from "@clerk/nextjs";
import { getIntegrations } from "@/lib/config/integrations";

/** Wraps the app in Clerk's provider only when Clerk is the sign-in. */
export function AuthProvider({ children }: { children: React.ReactNode }) {
  if (getIntegrations().auth.mode === "clerk") return <ClerkProvider>{children}</ClerkProvider>;
  return <>{children}</>;
}

export function authMode(): "clerk" | "local" {
  return getIntegrations().auth.mode;
}
