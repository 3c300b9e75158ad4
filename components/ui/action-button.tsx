"use client";

import { useActionState } from "react";
import { Button } from "./button";
import type { ActionResult } from "@/lib/http/action";

/** A one-button form for row actions (revoke, remove…), with its error shown inline. */
export function ActionButton({
  action,
  fields,
  label,
  pendingLabel,
  confirm,
  variant = "danger",
  testId,
}: {
  action: (prev: ActionResult, form: FormData) => Promise<ActionResult>;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  confirm?: string;
  variant?: "danger" | "secondary" | "primary";
  testId?: string;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form
      action={formAction}
      className="inline-flex items-center gap-2"
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      {Object.entries(fields).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <Button type="submit" size="sm" variant={variant} disabled={pending} data-testid={testId}>
        {pending ? (pendingLabel ?? "Working…") : label}
      </Button>
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-red-700">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
