"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import type { ActionResult } from "@/lib/http/action";

type Values = { softLimitCredits: number | null; hardLimit: number | null; blockOverage: boolean };

const asText = (n: number | null) => (n === null ? "" : String(n));

/**
 * Soft limit, hard limit and the block-overage switch. Members get the same fields read-only;
 * the server refuses their changes anyway.
 */
export function LimitsForm({
  values,
  canEdit,
  hardLimitUnit,
  overageAllowed,
  action,
}: {
  values: Values;
  canEdit: boolean;
  hardLimitUnit: "credits" | "cents";
  overageAllowed: boolean;
  action: (prev: ActionResult, form: FormData) => Promise<ActionResult>;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const err = (k: string) => (state && !state.ok ? state.fieldErrors?.[k]?.[0] : undefined);
  const unit = hardLimitUnit === "cents" ? "cents of overage" : "overage credits";
  return (
    <form action={formAction} className="flex flex-col gap-4" data-testid="limits-form" aria-describedby={canEdit ? undefined : "limits-readonly"}>
      {!canEdit ? (
        <p id="limits-readonly" className="text-sm text-zinc-600" data-testid="limits-readonly">
          Only owners and admins can change limits.
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Warn me at (credits this period)"
          name="softLimitCredits"
          inputMode="numeric"
          defaultValue={asText(values.softLimitCredits)}
          placeholder="No warning"
          hint="A notice appears once usage this period reaches it."
          readOnly={!canEdit}
          error={err("softLimitCredits")}
          data-testid="limits-soft"
        />
        <Field
          label={`Hard limit (${unit} per period)`}
          name="hardLimit"
          inputMode="numeric"
          defaultValue={asText(values.hardLimit)}
          placeholder="No limit"
          hint={overageAllowed ? "Billable usage beyond your credits stops here; requests get HTTP 402." : "Applies on paid plans; the Free plan stops when its credits run out."}
          readOnly={!canEdit}
          error={err("hardLimit")}
          data-testid="limits-hard"
        />
      </div>
      <div className="flex items-start gap-2">
        <input type="hidden" name="blockOverage" value="off" disabled={!canEdit} />
        <input
          id="limits-block-overage"
          type="checkbox"
          name="blockOverage"
          value="on"
          defaultChecked={values.blockOverage}
          disabled={!canEdit}
          className="mt-0.5 size-4 rounded border-zinc-300"
          data-testid="limits-block-overage"
        />
        <label htmlFor="limits-block-overage" className="text-sm text-zinc-800">
          Block all overage <span className="block text-xs text-zinc-600">Requests stop when prepaid and included credits run out.</span>
        </label>
      </div>
      {canEdit ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={pending} data-testid="limits-save">
            {pending ? "Saving…" : "Save limits"}
          </Button>
          <span className="text-xs text-zinc-600">Takes effect on the next request.</span>
        </div>
      ) : null}
      {state && !state.ok && !state.fieldErrors ? <Alert tone="error">{state.message}</Alert> : null}
      {state?.ok ? (
        <Alert tone="success" data-testid="limits-saved">
          {state.message}
        </Alert>
      ) : null}
    </form>
  );
}
