import { index, pgTable, text } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { accounts } from "./accounts";
import { users } from "./users";

/** API keys. The secret is shown once at creation; only its SHA-256 is stored. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The first characters of the secret (e.g. "mk_7Hc2Qa"), so a user can tell keys apart. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    createdByUserId: text("created_by_user_id").notNull().references(() => users.id),
    /** Updated at most once a minute per key, to keep writes off the request path. */
    lastUsedAt: tstz("last_used_at"),
    revokedAt: tstz("revoked_at"),
    ...timestamps,
  },
  (t) => [index("api_keys_account_idx").on(t.accountId)],
);
