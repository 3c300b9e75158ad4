"use client";

import { useActionState } from "react";
import { Field, SelectField } from "@/components/ui/field";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import { CopyField } from "@/components/ui/copy-field";
import type { ActionResult } from "@/lib/http/action";

type Result = ActionResult<{ url: string }>;

export function InviteForm({ action, canInviteOwners }: { action: (prev: Result, form: FormData) => Promise<Result>; canInviteOwners: boolean }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <div className="flex flex-col gap-3">
      <form action={formAction} className="flex flex-wrap items-end gap-3" data-testid="invite-form">
        <Field label="Email" name="email" type="email" required className="min-w-[16rem] flex-1" error={state && !state.ok ? state.fieldErrors?.email?.[0] : undefined} />
        <SelectField label="Role" name="role" defaultValue="member">
          <option value="member">Member</option>
          <option value="admin">Admin</option>
          {canInviteOwners ? <option value="owner">Owner</option> : null}
        </SelectField>
        <Button type="submit" disabled={pending} data-testid="invite-submit">
          {pending ? "Inviting…" : "Create invite"}
        </Button>
      </form>
      {state && !state.ok ? <Alert tone="error">{state.message}</Alert> : null}
      {state?.ok && state.data ? (
        <div className="flex flex-col gap-2" data-testid="invite-created">
          <Alert tone="success">{state.message}. No email service is configured, so send them this link:</Alert>
          <CopyField label="Invite link" value={state.data.url} testId="invite-link" />
        </div>
      ) : null}
    </div>
  );
}
