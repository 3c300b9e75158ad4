/**
 * Decodes Stripe's form encoding (`a[b][0][c]=x`) into nested objects and arrays.
 * The SDK writes arrays with explicit indices (`expand[0]=x`); browsers and curl
 * users often write `expand[]=x`, so both are accepted.
 */
export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export function parseFormEncoded(body: string): FormObject {
  const root: FormObject = {};
  if (!body) return root;
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    const value = decodeComponent(rawValue);
    assignPath(root, splitKey(key), value);
  }
  return arraysFromIndexedObjects(root) as FormObject;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** `line_items[0][price]` → ["line_items", "0", "price"]; `expand[]` → ["expand", ""]. */
function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(key.slice(first))) !== null) parts.push(match[1] ?? "");
  return parts;
}

const APPEND = "\u0000append";

function assignPath(target: FormObject, path: string[], value: string): void {
  let node: FormObject = target;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i] ?? "";
    if (segment === "") segment = `${APPEND}${Object.keys(node).length}`;
    const last = i === path.length - 1;
    if (last) {
      node[segment] = value;
      return;
    }
    const existing = node[segment];
    if (existing === undefined || typeof existing === "string" || Array.isArray(existing)) {
      const child: FormObject = {};
      node[segment] = child;
      node = child;
    } else {
      node = existing;
    }
  }
}

/** Objects whose keys are all indices (or `[]` appends) become arrays, ordered by index. */
function arraysFromIndexedObjects(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const k of keys) converted[k] = arraysFromIndexedObjects(value[k] as FormValue);
  const isIndexed =
    keys.length > 0 && keys.every((k) => /^\d+$/.test(k) || k.startsWith(APPEND));
  if (!isIndexed) return converted;
  const ordered = keys
    .map((k) => ({ k, n: k.startsWith(APPEND) ? Number(k.slice(APPEND.length)) : Number(k) }))
    .sort((a, b) => a.n - b.n);
  return ordered.map(({ k }) => converted[k] as FormValue);
}
