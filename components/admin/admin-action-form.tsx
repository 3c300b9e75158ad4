"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import type { ActionResult } from "@/lib/http/action";

export type ActionField =
  | { kind: "input"; name: string; label: string; type?: string; placeholder?: string; defaultValue?: string; required?: boolean; hint?: string }
  | { kind: "select"; name: string; label: string; options: { value: string; label: string }[]; defaultValue?: string };

/**
 * One console action: its fields, a required reason (it goes to the audit log) and the outcome.
 * `hidden` carries the target (account id, invoice id).
 */
export function AdminActionForm({
  action,
  title,
  fields,
  hidden,
  submitLabel,
  testId,
  tone = "primary",
}: {
  action: (prev: ActionResult, form: FormData) => Promise<ActionResult>;
  title: string;
  fields: ActionField[];
  hidden: Record<string, string>;
  submitLabel: string;
  testId: string;
  tone?: "primary" | "danger";
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const err = (name: string) => (state && !state.ok ? state.fieldErrors?.[name]?.[0] : undefined);
  return (
    <form action={formAction} className="flex flex-col gap-3 rounded-md border border-zinc-200 p-4" data-testid={testId} aria-label={title}>
      <h3 className="text-sm font-semibold text-zinc-900">{title}</h3>
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <div className="flex flex-wrap items-end gap-3">
        {fields.map((f) =>
          f.kind === "select" ? (
            <SelectField key={f.name} label={f.label} name={f.name} defaultValue={f.defaultValue}>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </SelectField>
          ) : (
            <Field key={f.name} label={f.label} name={f.name} type={f.type ?? "text"} placeholder={f.placeholder} defaultValue={f.defaultValue} required={f.required} hint={f.hint} error={err(f.name)} className="min-w-[10rem]" />
          ),
        )}
        <Field label="Reason (audited)" name="reason" required minLength={3} className="min-w-[16rem] flex-1" error={err("reason")} />
        <Button type="submit" disabled={pending} variant={tone === "danger" ? "danger" : undefined}>
          {pending ? "Working…" : submitLabel}
        </Button>
      </div>
      {state && !state.ok ? <Alert tone="error">{state.message}</Alert> : null}
      {state?.ok ? <Alert tone="success">{state.message ?? "Done"}</Alert> : null}
    </form>
  );
}
