"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import type { ActionResult } from "@/lib/http/action";

type Pack = { key: string; name: string; priceCents: number };

export function AutoRechargeForm({
  action,
  packs,
  current,
  disabled,
}: {
  action: (prev: ActionResult, form: FormData) => Promise<ActionResult>;
  packs: readonly Pack[];
  current: { enabled: boolean; thresholdCredits: number; packKey: string; lastError: string | null } | null;
  disabled?: boolean;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex flex-col gap-3" data-testid="auto-recharge-form">
      {current?.lastError ? <Alert tone="warning" data-testid="auto-recharge-error">Last auto-recharge failed: {current.lastError}</Alert> : null}
      <label className="flex items-center gap-2 text-sm text-zinc-800">
        <input type="checkbox" name="enabled" defaultChecked={current?.enabled ?? false} disabled={disabled} />
        Buy a pack automatically when the balance falls below the threshold
      </label>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Threshold (credits)" name="thresholdCredits" type="number" min={0} defaultValue={current?.thresholdCredits ?? 500_000} disabled={disabled} />
        <div className="flex flex-col gap-1">
          <label htmlFor="auto-recharge-pack" className="text-sm font-medium text-zinc-800">
            Pack
          </label>
          <select id="auto-recharge-pack" name="packKey" defaultValue={current?.packKey ?? packs[0]?.key} disabled={disabled} className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm">
            {packs.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name} — ${(p.priceCents / 100).toFixed(2)}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" variant="secondary" disabled={pending || disabled}>
          {pending ? "Saving…" : "Save"}
        </Button>
      </div>
      {state ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
    </form>
  );
}
