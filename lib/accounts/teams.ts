import type { Db } from "@/db/client";
import { accounts, memberships } from "@/db/schema";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { runAccountCreatedHooks } from "./account-created";
// The ledger registers its onAccountCreated hook (ledger row + signup grant) when loaded.
import "@/lib/ledger/register";

export async function createTeam(db: Db, userId: string, name: string) {
  return db.transaction(async (tx) => {
    const id = newId("acct");
    const [account] = await tx.insert(accounts).values({ id, name: name.trim(), kind: "team" }).returning();
    await tx.insert(memberships).values({ accountId: id, userId, role: "owner" });
    await recordAudit(tx, { accountId: id, actorUserId: userId, action: "team.created", after: { name } });
    await runAccountCreatedHooks(tx, { id, kind: "team" });
    return account!;
  });
}
