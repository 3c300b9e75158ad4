import { timestamp } from "drizzle-orm/pg-core";

/** Every table's created/updated pair, always with time zone. */
export const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const tstz = (name: string) => timestamp(name, { withTimezone: true });
