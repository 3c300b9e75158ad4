import { onAccountCreated } from "@/lib/accounts/account-created";
import { createAccountLedger } from "./accounts";

/**
 * Every new account (personal or team) gets its ledger row and signup grant in the same
 * transaction that creates it. Imported for its side effect by lib/accounts/users.ts and
 * lib/accounts/teams.ts (and by lib/ledger/index.ts), so no caller can create an account
 * without it. Module evaluation happens once per module graph, as does the hooks list it
 * registers into, so the hook is registered exactly once.
 */
onAccountCreated((tx, account) => createAccountLedger(tx, account.id));
