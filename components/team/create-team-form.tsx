"use client";

import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import type { ActionResult } from "@/lib/http/action";

export function CreateTeamForm({ action }: { action: (prev: ActionResult, form: FormData) => Promise<ActionResult> }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-3" data-testid="create-team-form">
      <Field label="Team name" name="name" required className="min-w-[16rem] flex-1" error={state && !state.ok ? state.fieldErrors?.name?.[0] : undefined} />
      <Button type="submit" disabled={pending} data-testid="create-team-submit">
        {pending ? "Creating…" : "Create team"}
      </Button>
      {state && !state.ok && !state.fieldErrors ? <Alert tone="error" className="w-full">{state.message}</Alert> : null}
    </form>
  );
}
