"use client";

import { useActionState } from "react";
import { Field } from "@/components/ui/field";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import { CopyField } from "@/components/ui/copy-field";
import type { ActionResult } from "@/lib/http/action";

type Result = ActionResult<{ secret: string }>;

export function CreateKeyForm({ action }: { action: (prev: Result, form: FormData) => Promise<Result> }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <div className="flex flex-col gap-3">
      <form action={formAction} className="flex flex-wrap items-end gap-3" data-testid="create-key-form">
        <Field label="Key name" name="name" placeholder="e.g. production backend" required className="min-w-[16rem] flex-1" error={state && !state.ok ? state.fieldErrors?.name?.[0] : undefined} />
        <Button type="submit" disabled={pending} data-testid="create-key-submit">
          {pending ? "Creating…" : "Create key"}
        </Button>
      </form>
      {state && !state.ok && !state.fieldErrors ? <Alert tone="error">{state.message}</Alert> : null}
      {state?.ok && state.data ? (
        <div className="flex flex-col gap-2" data-testid="key-created">
          <Alert tone="warning">{state.message}. Copy the secret now — it will not be shown again.</Alert>
          <CopyField label="Secret key" value={state.data.secret} testId="new-key-secret" />
        </div>
      ) : null}
    </div>
  );
}
