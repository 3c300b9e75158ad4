"use client";

import { useActionState, useRef } from "react";
import type { Role } from "@/db/schema";
import type { ActionResult } from "@/lib/http/action";

export function RoleSelect({ action, userId, role, canGrantOwner }: { action: (prev: ActionResult, form: FormData) => Promise<ActionResult>; userId: string; role: Role; canGrantOwner: boolean }) {
  const [state, formAction] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  return (
    <form ref={formRef} action={formAction} className="inline-flex items-center gap-2">
      <input type="hidden" name="userId" value={userId} />
      <label className="sr-only" htmlFor={`role-${userId}`}>Role</label>
      <select id={`role-${userId}`} name="role" defaultValue={role} onChange={() => formRef.current?.requestSubmit()} className="rounded-md border border-zinc-300 bg-white py-1 pl-2 pr-7 text-sm">
        <option value="member">Member</option>
        <option value="admin">Admin</option>
        {canGrantOwner || role === "owner" ? <option value="owner">Owner</option> : null}
      </select>
      {state && !state.ok ? <span role="alert" className="text-xs text-red-700">{state.message}</span> : null}
    </form>
  );
}
