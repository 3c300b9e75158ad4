import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Stripe's own example of every API object (fixtures3.json from Stripe's public OpenAPI
 * repository, MIT — see the LICENSE beside it), kept in the repo so a fork's tests need nothing
 * outside it. STRIPE_FIXTURES points at a newer copy.
 */
export const FIXTURE_PATH = process.env.STRIPE_FIXTURES ?? path.join(__dirname, "fixtures", "stripe-fixtures3.json");

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function loadFixtures(): Record<string, Json> {
  const parsed = JSON.parse(readFileSync(FIXTURE_PATH, "utf8")) as { resources: Record<string, Json> };
  return parsed.resources;
}

const MAP_KEYS = new Set(["metadata", "payload"]);

function kindOf(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export interface ShapeOptions {
  /** Dotted paths (`[]` for array elements) whose extra keys are allowed, e.g. "pricing.price_details". */
  allowedExtra?: string[];
  /** Dotted paths not compared at all (polymorphic payloads such as `event.data.object`). */
  skip?: string[];
}

/**
 * Every key of the fixture must exist in the actual object with the same JSON
 * type; null is accepted on either side (nullable fields). Keys the fixture does
 * not have are reported unless allowed. Empty fixture objects are maps
 * (metadata, payload) whose keys are data, not schema.
 */
export function shapeProblems(actual: Json, fixture: Json, options: ShapeOptions = {}, path = ""): string[] {
  const problems: string[] = [];
  if (options.skip?.includes(path)) return problems;
  if (fixture === null || actual === null) return problems;
  const fk = kindOf(fixture);
  const ak = kindOf(actual);
  if (fk !== ak) return [`${path || "<root>"}: expected ${fk}, got ${ak}`];
  if (Array.isArray(fixture) && Array.isArray(actual)) {
    if (fixture.length > 0 && actual.length > 0) problems.push(...shapeProblems(actual[0] as Json, fixture[0] as Json, options, `${path}[]`));
    return problems;
  }
  if (fk !== "object") return problems;
  const f = fixture as Record<string, Json>;
  const a = actual as Record<string, Json>;
  const fixtureKeys = Object.keys(f);
  // Maps hold data, not schema: `metadata: {order_id: …}` in the example is not a field list.
  if (fixtureKeys.length === 0 || MAP_KEYS.has(path.split(".").pop() ?? "")) return problems;
  for (const key of fixtureKeys) {
    const child = path ? `${path}.${key}` : key;
    if (!(key in a)) {
      problems.push(`${child}: missing`);
      continue;
    }
    problems.push(...shapeProblems(a[key] as Json, f[key] as Json, options, child));
  }
  for (const key of Object.keys(a)) {
    const child = path ? `${path}.${key}` : key;
    if (!(key in f) && !options.allowedExtra?.includes(child)) problems.push(`${child}: not in the fixture`);
  }
  return problems;
}
