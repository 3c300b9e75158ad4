import type { Db } from "@/db/client";
import { createUserWithPersonalAccount } from "@/lib/accounts/users";
import { createTeam } from "@/lib/accounts/teams";
import { createSession } from "@/lib/auth/local/sessions";
import type { AccountContext } from "@/lib/accounts/roles";
import type { Role } from "@/db/schema";
import { memberships } from "@/db/schema";

let counter = 0;

/** A user with a personal account and a session cookie, ready for route-handler calls. */
export async function makeUser(db: Db, name = "Ada Lovelace") {
  counter += 1;
  const email = `${name.split(" ")[0]!.toLowerCase()}.${Date.now().toString(36)}${counter}@example.test`;
  const { user, accountId } = await createUserWithPersonalAccount(db, { email, name });
  const { token } = await createSession(db, user.id);
  return { user, personalAccountId: accountId, cookie: `ml_session=${token}` };
}

export async function makeTeamWith(db: Db, owner: { user: { id: string } }, members: { user: { id: string }; role: Role }[] = []) {
  const team = await createTeam(db, owner.user.id, `Team ${++counter}`);
  for (const m of members) await db.insert(memberships).values({ accountId: team.id, userId: m.user.id, role: m.role });
  return team;
}

export function ctx(accountId: string, userId: string, role: Role): AccountContext {
  return { accountId, userId, role, via: "session" };
}

/** Calls a route handler the way Next does: a Request plus a params promise. */
export function call<P>(
  handler: (req: Request, route?: { params: Promise<P> }) => Promise<Response>,
  init: { method?: string; path?: string; cookie?: string; bearer?: string; body?: unknown; headers?: Record<string, string>; params?: P },
) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const req = new Request(`http://localhost${init.path ?? "/"}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  return handler(req, { params: Promise.resolve((init.params ?? {}) as P) });
}
