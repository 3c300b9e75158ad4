import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { invalidInput } from "./errors";

/** Reads a JSON body and validates it: unparseable → 400, invalid → 422 with field errors. */
export async function parseJsonBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new AppError("bad_request", "Request body must be valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}
