import { FormObject, FormValue } from "./form";
import { parameterInvalid, parameterMissing } from "./errors";

/**
 * Typed, validating access to decoded request parameters. Every reader reports
 * the full bracketed parameter name (`line_items[0][price]`) in its errors, the
 * way Stripe does, so SDK users see which field was wrong.
 */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = "",
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw parameterInvalid(this.name(key), `Invalid string: ${this.name(key)} must be a string.`);
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined) throw parameterMissing(this.name(key));
    if (value.trim() === "") {
      throw parameterInvalid(this.name(key), `You passed an empty string for '${this.name(key)}'. We assume empty values are an attempt to unset a parameter; however '${this.name(key)}' cannot be unset. You should remove '${this.name(key)}' from your request or supply a non-empty value.`, "string_blank");
    }
    return value;
  }

  /** Empty string means "unset" in Stripe's form encoding; reported as null. */
  nullableString(key: string): string | null | undefined {
    const value = this.string(key);
    if (value === "") return null;
    return value;
  }

  int(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw parameterInvalid(this.name(key), `Invalid integer: ${value}`, "integer");
    return Number(value);
  }

  requiredInt(key: string): number {
    const value = this.int(key);
    if (value === undefined) throw parameterMissing(this.name(key));
    return value;
  }

  bool(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value === "true") return true;
    if (value === "false") return false;
    throw parameterInvalid(this.name(key), `Invalid boolean: ${value}`, "boolean");
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw parameterInvalid(this.name(key), `Invalid ${this.name(key)}: must be one of ${allowed.join(", ")}`);
    }
    return value as T;
  }

  object(key: string): Params | undefined {
    const value = this.raw[key];
    if (value === undefined || value === "") return undefined;
    if (typeof value === "string" || Array.isArray(value)) {
      throw parameterInvalid(this.name(key), `Invalid object: ${this.name(key)} must be a hash.`);
    }
    return new Params(value, this.name(key));
  }

  /** An array of hashes, e.g. `line_items[0][price]`. */
  objects(key: string): Params[] {
    const value = this.raw[key];
    if (value === undefined || value === "") return [];
    const list = asArray(value);
    if (!list) throw parameterInvalid(this.name(key), `Invalid array: ${this.name(key)} must be an array.`);
    return list.map((item, i) => {
      if (typeof item === "string" || Array.isArray(item)) {
        throw parameterInvalid(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}] must be a hash.`);
      }
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    const value = this.raw[key];
    if (value === undefined || value === "") return [];
    if (typeof value === "string") return [value];
    const list = asArray(value);
    if (!list) throw parameterInvalid(this.name(key), `Invalid array: ${this.name(key)} must be an array.`);
    return list.map((item, i) => {
      if (typeof item !== "string") throw parameterInvalid(`${this.name(key)}[${i}]`, "Invalid string.");
      return item;
    });
  }

  /**
   * Metadata patch: a key with an empty value removes it, `metadata=""` clears all.
   * Returns undefined when metadata was not sent at all.
   */
  metadataPatch(key = "metadata"): { clear: boolean; set: Record<string, string>; unset: string[] } | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === "") return { clear: true, set: {}, unset: [] };
    if (typeof value === "string" || Array.isArray(value)) {
      throw parameterInvalid(this.name(key), `Invalid object: ${this.name(key)} must be a hash.`);
    }
    const set: Record<string, string> = {};
    const unset: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") throw parameterInvalid(`${this.name(key)}[${k}]`, "Metadata values must be strings.");
      if (v === "") unset.push(k);
      else set[k] = v;
    }
    return { clear: false, set, unset };
  }

  expand(): string[] {
    return this.strings("expand");
  }
}

function asArray(value: FormValue): FormValue[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return null;
  // `items[5][price]` without items 0-4 still decodes as an object with numeric keys.
  const keys = Object.keys(value);
  if (keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k] as FormValue);
  return null;
}

export function applyMetadata(
  current: Record<string, string> | null,
  patch: ReturnType<Params["metadataPatch"]>,
): Record<string, string> {
  const base = current ?? {};
  if (!patch) return { ...base };
  const next = patch.clear ? {} : { ...base };
  for (const k of patch.unset) delete next[k];
  Object.assign(next, patch.set);
  return next;
}
