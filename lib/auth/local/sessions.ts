import { and, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { sessions, users } from "@/db/schema";
import { newId } from "@/lib/ids";
import { randomSecret, sha256Hex } from "@/lib/crypto";

export const SESSION_COOKIE = "ml_session";
export const SESSION_TTL_DAYS = 30;

/** Creates a session; returns the cookie token (only its hash is stored). */
export async function createSession(db: DbOrTx, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomSecret(43);
  const expiresAt = new Date(Date.now() + SESSION_TTL_DAYS * 86_400_000);
  await db.insert(sessions).values({ id: newId("ses"), userId, tokenHash: sha256Hex(token), expiresAt });
  return { token, expiresAt };
}

export async function findUserBySessionToken(db: DbOrTx, token: string) {
  const rows = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sha256Hex(token)), gt(sessions.expiresAt, new Date())))
    .limit(1);
  return rows[0] ?? null;
}

export async function deleteSession(db: DbOrTx, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
}
