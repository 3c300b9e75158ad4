"use client";

import { useActionState, useState } from "react";
import Link from "next/link";
import { Field } from "@/components/ui/field";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import type { ActionResult } from "@/lib/http/action";

type Props = {
  mode: "sign-in" | "sign-up";
  action: (prev: ActionResult, form: FormData) => Promise<ActionResult>;
  next?: string;
};

/** The local email + password form (used when Clerk is not configured). */
export function LocalAuthForm({ mode, action, next }: Props) {
  const [state, formAction, pending] = useActionState(action, null);
  // Controlled so a failed attempt keeps what was typed (React resets forms after an action).
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const fieldError = (name: string) => (state && !state.ok ? state.fieldErrors?.[name]?.[0] : undefined);
  const signUp = mode === "sign-up";
  return (
    <form action={formAction} className="flex flex-col gap-4" noValidate data-testid={`${mode}-form`}>
      {state && !state.ok ? <Alert tone="error" data-testid="auth-error">{state.message}</Alert> : null}
      {signUp ? <Field label="Name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} error={fieldError("name")} /> : null}
      <Field label="Email" name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError("email")} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete={signUp ? "new-password" : "current-password"}
        required
        hint={signUp ? "At least 10 characters." : undefined}
        error={fieldError("password")}
      />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Button type="submit" disabled={pending} data-testid={`${mode}-submit`}>
        {pending ? "Please wait…" : signUp ? "Create account" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-zinc-600">
        {signUp ? "Already have an account? " : "New here? "}
        <Link className="font-medium text-brand-700 underline-offset-2 hover:underline" href={signUp ? "/sign-in" : "/sign-up"}>
          {signUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
