import { invalidRequest } from "./errors";
import type { Params } from "./params";

/**
 * A subset of Stripe's search query language: `field:'value'` (equals),
 * `field~'value'` (contains), `metadata['key']:'value'`, `-field:'value'`
 * (negation), joined by all-AND or all-OR, as Stripe requires.
 */
export type FieldReader<T> = (item: T, field: string) => string | null | undefined;

interface Clause {
  field: string;
  op: ":" | "~";
  value: string;
  negate: boolean;
}

export function parseSearchQuery(query: string): { clauses: Clause[]; mode: "AND" | "OR" } {
  const hasAnd = / AND /.test(query);
  const hasOr = / OR /.test(query);
  if (hasAnd && hasOr) throw invalidRequest("Search queries cannot mix AND and OR.", { param: "query" });
  const mode = hasOr ? "OR" : "AND";
  const parts = query.split(mode === "OR" ? / OR / : / AND /).map((p) => p.trim()).filter(Boolean);
  const clauses = parts.map((part) => {
    const m = /^(-?)([a-z_]+(?:\[['"][^'"]+['"]\])?)\s*([:~])\s*['"](.*)['"]$/.exec(part) ?? /^(-?)([a-z_]+(?:\[['"][^'"]+['"]\])?)\s*([:~])\s*([^\s'"]+)$/.exec(part);
    if (!m) throw invalidRequest(`Invalid search query clause: ${part}`, { param: "query" });
    return { negate: m[1] === "-", field: m[2] ?? "", op: (m[3] === "~" ? "~" : ":") as ":" | "~", value: m[4] ?? "" };
  });
  if (clauses.length === 0) throw invalidRequest("Search query is empty.", { param: "query" });
  return { clauses, mode };
}

export function searchItems<T>(items: T[], query: string, read: FieldReader<T>): T[] {
  const { clauses, mode } = parseSearchQuery(query);
  return items.filter((item) => {
    const results = clauses.map((c) => {
      const metadataKey = /^metadata\[['"](.+)['"]\]$/.exec(c.field)?.[1];
      const actual = metadataKey !== undefined ? read(item, `metadata.${metadataKey}`) : read(item, c.field);
      const hit = actual != null && (c.op === ":" ? actual === c.value : actual.toLowerCase().includes(c.value.toLowerCase()));
      return c.negate ? !hit : hit;
    });
    return mode === "AND" ? results.every(Boolean) : results.some(Boolean);
  });
}

export function searchResult<T extends { id: string }>(items: T[], params: Params, url: string) {
  const limit = params.int("limit") ?? 10;
  const page = params.string("page");
  const offset = page ? Number(Buffer.from(page, "base64url").toString("utf8")) || 0 : 0;
  const data = items.slice(offset, offset + limit);
  const hasMore = items.length > offset + limit;
  return {
    object: "search_result" as const,
    data,
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString("base64url") : null,
    url,
  };
}
