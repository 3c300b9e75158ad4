import { z } from "zod";

/** A reason is required for every resume, freeze, grant… : it goes to the audit log. */
export const reasonSchema = z.string().trim().min(3, "Give a reason (at least 3 characters)").max(500);

export const resumeSchema = z.object({ reason: reasonSchema });
