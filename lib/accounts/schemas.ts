import { z } from "zod";

/** Input shapes shared by the REST routes and the server actions that accept the same thing. */
export const roleSchema = z.enum(["owner", "admin", "member"]);
export const createTeamSchema = z.object({ name: z.string().trim().min(1, "Enter a team name").max(80) });
export const inviteSchema = z.object({ email: z.string().trim().email("Enter a valid email address"), role: roleSchema.default("member") });
export const changeRoleSchema = z.object({ role: roleSchema });
export const createApiKeySchema = z.object({ name: z.string().trim().min(1, "Name the key").max(60) });
