/**
 * Fault injection settings, read from `x-mock-*` headers (direct tests) and from a
 * `[mock key=value flag]` directive inside the last user message (tests through a proxy that
 * forwards the body but not custom headers). Headers override the directive.
 */
import type { IncomingHttpHeaders } from "node:http";

export interface FaultPlan {
  /** The first N attempts of an identical request fail with `failStatus`. */
  failFirst: number;
  failStatus: number;
  /** Sent as `retry-after-ms` / `retry-after` on injected failures (the openai client honours it). */
  retryAfterMs: number | undefined;
  /** Delay between stream chunks, or before the whole answer when not streaming. */
  slowMs: number;
  /** Generate exactly this many completion tokens (still capped by max_tokens). */
  tokens: number | undefined;
  /** Omit usage: no usage chunk when streaming, no `usage` field otherwise. */
  dropUsage: boolean;
  /** Stream this many content chunks, then destroy the socket without `[DONE]`. */
  cutAfter: number | undefined;
  /** Never answer. */
  hang: boolean;
}

export const NO_FAULTS: FaultPlan = {
  failFirst: 0,
  failStatus: 503,
  retryAfterMs: undefined,
  slowMs: 0,
  tokens: undefined,
  dropUsage: false,
  cutAfter: undefined,
  hang: false,
};

/** Thrown for unknown keys or bad values, so a typo in a test fails loudly (HTTP 400). */
export class FaultSyntaxError extends Error {}

type Setter = (plan: FaultPlan, value: string | undefined) => void;

function integerSetter(key: string, min: number, max: number, apply: (plan: FaultPlan, n: number) => void): Setter {
  return (plan, value) => {
    const n = value === undefined ? NaN : Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new FaultSyntaxError(`mock directive ${key} needs an integer in [${min}, ${max}], got "${value ?? ""}"`);
    }
    apply(plan, n);
  };
}

function flagSetter(key: string, apply: (plan: FaultPlan, on: boolean) => void): Setter {
  return (plan, value) => {
    if (value === undefined || value === "" || value === "1" || value === "true") apply(plan, true);
    else if (value === "0" || value === "false") apply(plan, false);
    else throw new FaultSyntaxError(`mock directive ${key} is a flag (1/true/0/false), got "${value}"`);
  };
}

const TEN_MINUTES_MS = 600_000;
const MAX_TOKENS_FORCED = 100_000;

const SETTERS: Record<string, Setter> = {
  fail_first: integerSetter("fail_first", 0, 1000, (plan, n) => (plan.failFirst = n)),
  status: integerSetter("status", 400, 599, (plan, n) => (plan.failStatus = n)),
  retry_after_ms: integerSetter("retry_after_ms", 0, TEN_MINUTES_MS, (plan, n) => (plan.retryAfterMs = n)),
  slow_ms: integerSetter("slow_ms", 0, TEN_MINUTES_MS, (plan, n) => (plan.slowMs = n)),
  tokens: integerSetter("tokens", 0, MAX_TOKENS_FORCED, (plan, n) => (plan.tokens = n)),
  cut_after: integerSetter("cut_after", 0, MAX_TOKENS_FORCED, (plan, n) => (plan.cutAfter = n)),
  drop_usage: flagSetter("drop_usage", (plan, on) => (plan.dropUsage = on)),
  hang: flagSetter("hang", (plan, on) => (plan.hang = on)),
};

/** Apply `key=value key2 flag` settings (the inside of a directive) onto `plan`. */
function applySettings(plan: FaultPlan, settings: string): void {
  for (const item of settings.split(/\s+/)) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = (eq === -1 ? item : item.slice(0, eq)).toLowerCase().replaceAll("-", "_");
    const value = eq === -1 ? undefined : item.slice(eq + 1);
    const setter = SETTERS[key];
    if (!setter) throw new FaultSyntaxError(`unknown mock directive "${key}" (known: ${Object.keys(SETTERS).join(", ")})`);
    setter(plan, value);
  }
}

// Lowercase "[mock" only, matching the cheap includes() pre-check below.
const DIRECTIVE = /\[mock(?:\s+([^\]]*))?\]/g;

/** Fast pre-check so prompts without "[mock" skip the regex entirely. */
export function hasDirective(text: string): boolean {
  return text.includes("[mock");
}

/**
 * The `x-mock-*` headers as one canonical settings string ("fail_first=2 status=429"), or "" when
 * there are none. It is part of the request fingerprint, and parsed like a directive.
 * `x-mock: fail_first=2 hang` (directive syntax in one header) is accepted too.
 */
export function headerSettings(headers: IncomingHttpHeaders): string {
  let settings = "";
  for (const name in headers) {
    if (!name.startsWith("x-mock")) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(" ") : (raw ?? "");
    if (name === "x-mock") settings += ` ${value}`;
    else if (name.startsWith("x-mock-")) settings += ` ${name.slice("x-mock-".length)}=${value.trim()}`;
  }
  return settings.trim();
}

/** Resolve the fault plan: directive(s) in the last user message first, then header overrides. */
export function resolveFaultPlan(lastUserText: string, headerSettingsText: string): FaultPlan {
  if (headerSettingsText === "" && !hasDirective(lastUserText)) return NO_FAULTS;
  const plan: FaultPlan = { ...NO_FAULTS };
  if (hasDirective(lastUserText)) {
    for (const match of lastUserText.matchAll(DIRECTIVE)) applySettings(plan, match[1] ?? "");
  }
  applySettings(plan, headerSettingsText);
  return plan;
}
