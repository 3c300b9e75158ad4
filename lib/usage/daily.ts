import type { DbOrTx } from "@/db/client";
import type { Plan } from "@/lib/config/catalog";
import { usageByDay } from "@/lib/ledger";
import { overageCents } from "./projection";

const DAY_MS = 86_400_000;
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

export type DayPoint = {
  /** YYYY-MM-DD (UTC). */
  day: string;
  chargedCredits: number;
  overageCredits: number;
  /** Overage billed for the day, in cents (prepaid credits cost nothing more). */
  overageCents: number;
  requests: number;
};

/** The last `days` UTC days up to and including today's, with empty days filled in as zero. */
export async function dailyUsage(db: DbOrTx, accountId: string, plan: Plan, now: Date, days: number): Promise<DayPoint[]> {
  const todayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
  const from = new Date(todayStart - (days - 1) * DAY_MS);
  const to = new Date(todayStart + DAY_MS);
  const rows = new Map((await usageByDay(db, accountId, { from, to })).map((r) => [r.day, r]));
  const out: DayPoint[] = [];
  for (let i = 0; i < days; i++) {
    const day = utcDay(new Date(from.getTime() + i * DAY_MS));
    const r = rows.get(day);
    out.push({
      day,
      chargedCredits: r?.chargedCredits ?? 0,
      overageCredits: r?.overageCredits ?? 0,
      overageCents: overageCents(plan, r?.overageCredits ?? 0),
      requests: r?.requests ?? 0,
    });
  }
  return out;
}
