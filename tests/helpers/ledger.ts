import type { Db } from "@/db/client";
import { accounts } from "@/db/schema";
import { newId } from "@/lib/ids";
import { createAccountLedger } from "@/lib/ledger/accounts";
import { grant } from "@/lib/ledger/grants";
import type { GrantKind } from "@/lib/ledger/types";

let seq = 0;

/** An account with a ledger row, no signup credits unless asked, on the given plan. */
export async function makeLedgerAccount(db: Db, options: { plan?: "free" | "pro"; signupCredits?: number } = {}): Promise<string> {
  const id = newId("acct");
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id, name: `Ledger test ${++seq}`, kind: "team", plan: options.plan ?? "free" });
    await createAccountLedger(tx, id, { plan: options.plan ?? "free", signupCredits: options.signupCredits ?? 0 });
  });
  return id;
}

export async function give(db: Db, accountId: string, credits: number, kind: GrantKind = "purchase", extra: { expiresAt?: Date | null; priority?: number } = {}) {
  const { grantId } = await grant(db, { accountId, kind, credits, sourceRef: `test:${accountId}:${++seq}`, ...extra });
  return grantId;
}

export const usage = (extra: Record<string, unknown> = {}) => ({ model: "mock-1", inputTokens: 10, outputTokens: 20, ...extra });

let req = 0;
export const rid = () => `req_t${Date.now().toString(36)}_${++req}`;
