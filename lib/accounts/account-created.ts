import type { Tx } from "@/db/client";

/**
 * Work that must happen in the same transaction as an account's creation (the ledger's signup
 * grant, default limits, …). Domains register here instead of the accounts module importing them.
 */
type AccountCreatedHook = (tx: Tx, account: { id: string; kind: "personal" | "team" }) => Promise<void>;

const hooks: AccountCreatedHook[] = [];

export function onAccountCreated(hook: AccountCreatedHook): void {
  hooks.push(hook);
}

export async function runAccountCreatedHooks(tx: Tx, account: { id: string; kind: "personal" | "team" }) {
  for (const hook of hooks) await hook(tx, account);
}
