import { invalidRequest, parameterInvalid, resourceMissing } from "./errors";
import type { Params } from "./params";

export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

interface WithIdAndCreated {
  id: string;
  created?: number;
}

/**
 * Cursor pagination as Stripe does it: newest first, `limit` 1–100 (default 10),
 * `starting_after` / `ending_before` name an object id in the result set.
 */
export function paginate<T extends WithIdAndCreated>(items: T[], params: Params, url: string, alreadySorted = false): ListObject<T> {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) throw parameterInvalid("limit", "Invalid limit: must be between 1 and 100", "integer");
  const startingAfter = params.string("starting_after");
  const endingBefore = params.string("ending_before");
  if (startingAfter && endingBefore) throw invalidRequest("You may only specify one of these parameters: ending_before, starting_after.");

  const ordered = alreadySorted ? items : newestFirst(items);
  if (startingAfter) {
    const index = ordered.findIndex((item) => item.id === startingAfter);
    if (index === -1) throw resourceMissing("object", startingAfter, "starting_after");
    const rest = ordered.slice(index + 1);
    return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (endingBefore) {
    const index = ordered.findIndex((item) => item.id === endingBefore);
    if (index === -1) throw resourceMissing("object", endingBefore, "ending_before");
    const before = ordered.slice(0, index);
    return { object: "list", data: before.slice(Math.max(0, before.length - limit)), has_more: before.length > limit, url };
  }
  return { object: "list", data: ordered.slice(0, limit), has_more: ordered.length > limit, url };
}

/** Stable newest-first order: by `created`, ties broken by insertion order (later first). */
export function newestFirst<T extends WithIdAndCreated>(items: T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (b.item.created ?? 0) - (a.item.created ?? 0) || b.index - a.index)
    .map(({ item }) => item);
}

/** `created[gte]=…` style range filters (or an exact `created=…`). */
export function matchesRange(value: number, params: Params, key: string): boolean {
  if (!params.has(key)) return true;
  const exact = params.raw[key];
  if (typeof exact === "string") return value === params.int(key);
  const range = params.object(key);
  if (!range) return true;
  const gt = range.int("gt");
  const gte = range.int("gte");
  const lt = range.int("lt");
  const lte = range.int("lte");
  return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
}
