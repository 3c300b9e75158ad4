import { z } from "zod";
import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { createUserWithPersonalAccount, findUserByEmail, normalizeEmail } from "@/lib/accounts/users";
import { clearRateLimit, hitRateLimit, peekRateLimit } from "@/lib/rate-limit";
import { hashPassword, verifyPassword } from "./password";
import { createSession } from "./sessions";

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name").max(100),
  email: z.string().trim().email("Enter a valid email address"),
  password: z.string().min(10, "Use at least 10 characters").max(200),
});

export const signInSchema = z.object({
  email: z.string().trim().email("Enter a valid email address"),
  password: z.string().min(1, "Enter your password"),
});

/** After this many failed attempts in the window, sign-in for that email (or client) pauses. */
export const MAX_FAILED_SIGN_INS = 5;
export const FAILED_SIGN_IN_WINDOW_SECONDS = 15 * 60;

export async function signUpLocal(db: Db, input: z.infer<typeof signUpSchema>) {
  const { user, accountId } = await createUserWithPersonalAccount(db, {
    email: input.email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
  });
  const session = await createSession(db, user.id);
  return { userId: user.id, accountId, session };
}

/**
 * Checks the password. Failures are counted per email and per client address; past the limit the
 * answer is 429 whatever the password, so guessing cannot continue.
 */
export async function signInLocal(db: Db, input: z.infer<typeof signInSchema>, clientKey: string) {
  const email = normalizeEmail(input.email);
  const keys = [`signin:email:${email}`, `signin:client:${clientKey}`];
  for (const key of keys) {
    if ((await peekRateLimit(db, key, FAILED_SIGN_IN_WINDOW_SECONDS)) >= MAX_FAILED_SIGN_INS) {
      throw new AppError("rate_limited", "Too many failed sign-in attempts. Wait 15 minutes and try again.");
    }
  }
  const user = await findUserByEmail(db, email);
  const ok = user?.passwordHash ? await verifyPassword(input.password, user.passwordHash) : false;
  if (!user || !ok) {
    for (const key of keys) await hitRateLimit(db, key, FAILED_SIGN_IN_WINDOW_SECONDS);
    throw new AppError("unauthenticated", "Wrong email or password");
  }
  await clearRateLimit(db, keys[0]!);
  return { userId: user.id, session: await createSession(db, user.id) };
}
