"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import type { ActionResult } from "@/lib/http/action";

/** Owners and admins resume after a circuit-breaker trip; the reason is audited. */
export function ResumeForm({ action }: { action: (prev: ActionResult, form: FormData) => Promise<ActionResult> }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-col gap-2" data-testid="resume-form">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="What happened, and is it fixed?" name="reason" required minLength={3} className="min-w-[20rem] flex-1" error={state && !state.ok ? state.fieldErrors?.reason?.[0] : undefined} />
        <Button type="submit" disabled={pending} data-testid="resume-submit">
          {pending ? "Resuming…" : "Resume"}
        </Button>
      </div>
      {state && !state.ok ? <Alert tone="error">{state.message}</Alert> : null}
      {state?.ok ? <Alert tone="success">{state.message}</Alert> : null}
    </form>
  );
}
