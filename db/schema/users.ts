import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  /** Always stored lower-cased; unique across both sign-in modes. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  /** scrypt hash for the local sign-in; NULL for users who sign in through Clerk. */
  passwordHash: text("password_hash"),
  /** Clerk's user id when Clerk is the sign-in; NULL for local users. */
  clerkUserId: text("clerk_user_id").unique(),
  ...timestamps,
});

/** Local sign-in sessions. Only the SHA-256 of the cookie token is stored. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: tstz("expires_at").notNull(),
    ...timestamps,
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Fixed-window counters for rate limits (sign-in failures, …), shared by every app instance. */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStartedAt: tstz("window_started_at").notNull(),
});
