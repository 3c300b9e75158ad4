import type { Balance } from "@/lib/ledger";

export type CreditSource = "allowance" | "purchased" | "free";

/** How the usage page groups grant kinds: the plan's included quota, what was paid for, and the rest. */
export function sourceOfKind(kind: string): CreditSource {
  if (kind === "plan_allowance") return "allowance";
  if (kind === "purchase") return "purchased";
  return "free"; // signup, promo, adjustment
}

export const sourceLabel: Record<CreditSource, string> = {
  allowance: "Plan allowance",
  purchased: "Purchased",
  free: "Free credits",
};

export type SourceLine = { source: CreditSource; remainingCredits: number; expiresAt: Date | null };

/** One line per source and expiry date, soonest expiry first (the order credits are spent in). */
export function balanceBySource(balance: Pick<Balance, "bySource">): { source: CreditSource; totalCredits: number; lines: SourceLine[] }[] {
  const order: CreditSource[] = ["allowance", "free", "purchased"];
  return order.map((source) => {
    const lines = balance.bySource
      .filter((b) => sourceOfKind(b.kind) === source && b.remainingCredits > 0)
      .map((b) => ({ source, remainingCredits: b.remainingCredits, expiresAt: b.expiresAt }));
    // Two kinds of one source with the same expiry (signup + promo) read as one line.
    const merged = new Map<string, SourceLine>();
    for (const l of lines) {
      const k = l.expiresAt?.toISOString() ?? "never";
      const prev = merged.get(k);
      merged.set(k, prev ? { ...prev, remainingCredits: prev.remainingCredits + l.remainingCredits } : l);
    }
    const all = [...merged.values()];
    return { source, totalCredits: all.reduce((s, l) => s + l.remainingCredits, 0), lines: all };
  });
}
