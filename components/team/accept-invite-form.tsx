"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import type { ActionResult } from "@/lib/http/action";

export function AcceptInviteForm({ action, token }: { action: (prev: ActionResult, form: FormData) => Promise<ActionResult>; token: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-col gap-3">
      <input type="hidden" name="token" value={token} />
      {state && !state.ok ? <Alert tone="error">{state.message}</Alert> : null}
      <Button type="submit" disabled={pending} data-testid="accept-invite">
        {pending ? "Joining…" : "Accept invite"}
      </Button>
    </form>
  );
}
