import { SignIn, SignUp } from "@clerk/nextjs";
import { getIntegrations } from "@/lib/config/integrations";
import { signInAction, signUpAction } from "@/app/(auth)/actions";
import { LocalAuthForm } from "./local-auth-form";

/** Clerk's components when Clerk is configured; otherwise the local form, labelled as such. */
export function AuthPanel({ mode, next }: { mode: "sign-in" | "sign-up"; next?: string }) {
  if (getIntegrations().auth.mode === "clerk") {
    return mode === "sign-in" ? <SignIn routing="hash" forceRedirectUrl={next ?? "/dashboard"} /> : <SignUp routing="hash" forceRedirectUrl="/dashboard" />;
  }
  return (
    <div className="w-full max-w-sm rounded-lg border border-zinc-200 bg-white p-6 shadow-sm">
      <h1 className="text-lg font-semibold">{mode === "sign-in" ? "Sign in to Meterline" : "Create your Meterline account"}</h1>
      <p className="mb-5 mt-1 text-xs text-zinc-600" data-testid="local-auth-notice">
        Local sign-in: accounts live in this app&apos;s own database. Set Clerk keys to use Clerk instead.
      </p>
      <LocalAuthForm mode={mode} action={mode === "sign-in" ? signInAction : signUpAction} next={next} />
    </div>
  );
}
