import { ZodError } from "zod";
import { AppError, isAppError } from "@/lib/errors";

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Turns anything thrown into a safe AppError: unknown errors are logged and become `internal`. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  if (e instanceof ZodError) return invalidInput(e);
  console.error("Unhandled error", e);
  return new AppError("internal", "Something went wrong on our side. Please try again.");
}

export function invalidInput(e: ZodError): AppError {
  const fields: Record<string, string[]> = {};
  for (const issue of e.issues) {
    const key = issue.path.join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  const first = e.issues[0];
  const message = first ? `${first.path.join(".") || "input"}: ${first.message}` : "Invalid input";
  return new AppError("invalid_input", message, { details: { fields } });
}

/** The one mapping from errors to JSON responses; driver errors and stack traces never leave. */
export function errorResponse(e: unknown, headers?: HeadersInit): Response {
  const err = toAppError(e);
  const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  return Response.json(body, { status: err.status, headers });
}
