import { SignOutButton } from "@clerk/nextjs";
import { getIntegrations } from "@/lib/config/integrations";
import { signOutAction } from "@/app/(auth)/actions";
import { buttonClass } from "@/components/ui/button";

export function SignOutControl() {
  if (getIntegrations().auth.mode === "clerk") {
    return (
      <SignOutButton>
        <button className={buttonClass("ghost", "sm")}>Sign out</button>
      </SignOutButton>
    );
  }
  return (
    <form action={signOutAction}>
      <button type="submit" className={buttonClass("ghost", "sm")} data-testid="sign-out">
        Sign out
      </button>
    </form>
  );
}
