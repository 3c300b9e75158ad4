"use client";

import { useRef } from "react";

type Account = { id: string; name: string; kind: "personal" | "team"; role: string };

/** A native select (keyboard- and screen-reader-friendly) that submits on change. */
export function AccountSwitcher({ accounts, currentId, action }: { accounts: Account[]; currentId: string; action: (form: FormData) => Promise<void> }) {
  const formRef = useRef<HTMLFormElement>(null);
  return (
    <form ref={formRef} action={action} className="flex items-center gap-2">
      <label htmlFor="account-switcher" className="sr-only">
        Current account
      </label>
      <select
        id="account-switcher"
        name="accountId"
        data-testid="account-switcher"
        defaultValue={currentId}
        key={currentId}
        onChange={() => formRef.current?.requestSubmit()}
        className="max-w-[16rem] rounded-md border border-zinc-300 bg-white py-1.5 pl-2 pr-7 text-sm font-medium"
      >
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} · {a.kind === "team" ? a.role : "personal"}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit">Switch</button>
      </noscript>
    </form>
  );
}
