import { AppError } from "@/lib/errors";

/** Credits cross the boundary as JS numbers; anything that is not a safe integer is refused. */
export function assertCredits(value: number, name: string, options: { allowZero?: boolean; allowNegative?: boolean } = {}): void {
  const ok =
    Number.isSafeInteger(value) &&
    (options.allowNegative ? true : value >= 0) &&
    (options.allowZero === false ? value !== 0 : true);
  if (!ok) throw new AppError("invalid_input", `${name} must be a ${options.allowNegative ? "" : "non-negative "}safe integer${options.allowZero === false ? " other than 0" : ""}`, { details: { [name]: value } });
}

export function assertNonEmpty(value: string, name: string): void {
  if (typeof value !== "string" || value.trim() === "") throw new AppError("invalid_input", `${name} is required`);
}
