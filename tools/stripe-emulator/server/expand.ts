import { invalidRequest } from "./errors";

/**
 * Resolves `expand[]` paths such as `subscription`, `line_items`,
 * `data.customer` or `latest_invoice.customer`. `lookup` maps an id to its stored
 * object; `include` supplies fields Stripe only returns when expanded
 * (checkout's `line_items`).
 */
export interface ExpandResolvers {
  lookup: (id: string) => unknown;
  include: (object: Record<string, unknown>, field: string) => unknown;
}

const MAX_DEPTH = 4;

export function expandPaths(root: unknown, paths: string[], resolvers: ExpandResolvers): unknown {
  let result = root;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: "expand" });
    }
    result = expandOne(result, segments, resolvers, path);
  }
  return result;
}

function expandOne(node: unknown, segments: string[], resolvers: ExpandResolvers, fullPath: string): unknown {
  if (segments.length === 0 || node === null || typeof node !== "object") return node;
  const [field, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) return node.map((item) => expandOne(item, segments, resolvers, fullPath));
  const object = node as Record<string, unknown>;
  let value = object[field];
  if (value === undefined) {
    value = resolvers.include(object, field);
    if (value === undefined) {
      throw invalidRequest(`This property cannot be expanded (${field}).`, { param: "expand" });
    }
  } else if (typeof value === "string") {
    const resolved = resolvers.lookup(value);
    if (resolved === undefined) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: "expand" });
    // A copy, so expanding never lets a response alias stored state.
    value = JSON.parse(JSON.stringify(resolved)) as unknown;
  }
  return { ...object, [field]: expandOne(value, rest, resolvers, fullPath) };
}
