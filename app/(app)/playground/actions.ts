"use server";

import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { getBalance } from "@/lib/ledger";

/** The current account's available credits, re-read after each reply. */
export async function refreshBalanceAction(): Promise<number> {
  const { account } = await requireAccountContext();
  return (await getBalance(getDb(), account.id)).availableCredits;
}
