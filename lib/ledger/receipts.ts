import type { LimitNotice, Receipt } from "./types";

type RawReceipt = Omit<Receipt, "createdAt"> & { createdAt: string };
type RawNotice = Omit<LimitNotice, "periodStart"> & { periodStart: string };

export function receiptFromJson(raw: unknown): Receipt {
  const r = raw as RawReceipt;
  return { ...r, createdAt: new Date(r.createdAt) };
}

export function noticesFromJson(raw: unknown): LimitNotice[] {
  return ((raw as RawNotice[] | null) ?? []).map((n) => ({ ...n, periodStart: new Date(n.periodStart) }));
}
