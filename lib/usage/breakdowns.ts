import type { DbOrTx } from "@/db/client";
import { usageBreakdown, type UsageRange } from "@/lib/ledger";
import { apiKeyLabels, memberLabels } from "./labels";

export type BreakdownRow = {
  key: string | null;
  label: string;
  chargedCredits: number;
  requests: number;
  cacheHits: number;
  /** Share of the total charged credits in the range, 0–1. */
  share: number;
};

export type BreakdownBy = "action" | "model" | "member" | "api_key";

const fallback: Record<BreakdownBy, string> = {
  action: "(no action)",
  model: "(unknown model)",
  member: "(no member)",
  api_key: "Signed-in session",
};

/** What drives usage, by one dimension, from the daily rollup; labels resolved for members and keys. */
export async function breakdown(db: DbOrTx, accountId: string, range: UsageRange, by: BreakdownBy): Promise<BreakdownRow[]> {
  const rows = await usageBreakdown(db, accountId, { ...range, by });
  const total = rows.reduce((s, r) => s + r.chargedCredits, 0);
  const ids = rows.map((r) => r.key).filter((k): k is string => k !== null);
  const labels = by === "member" ? await memberLabels(db, ids) : by === "api_key" ? await apiKeyLabels(db, accountId, ids) : null;
  return rows.map((r) => ({
    key: r.key,
    label: r.key === null ? fallback[by] : (labels?.get(r.key) ?? r.key),
    chargedCredits: r.chargedCredits,
    requests: r.requests,
    cacheHits: r.cacheHits,
    share: total > 0 ? r.chargedCredits / total : 0,
  }));
}
