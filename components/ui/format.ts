const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
const integerFormat = new Intl.NumberFormat("en-US");

export const formatDate = (d: Date | string | null | undefined) => (d ? dateFormat.format(new Date(d)) : "—");
export const formatDateTime = (d: Date | string | null | undefined) => (d ? dateTimeFormat.format(new Date(d)) : "—");
export const formatInteger = (n: number) => integerFormat.format(n);
/** Integer cents → "$1,234.56". */
export const formatCents = (cents: number) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);

const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
/** 1234567 → "1.2M" where space is tight; pair it with the exact value in a title. */
export const formatCompact = (n: number) => compactFormat.format(n);
/** 0.4213 → "42.1%". */
export const formatShare = (share: number) =>
  new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 }).format(share);
/** "2025-11-03" (a UTC day) → "Nov 3". */
export const formatDay = (day: string) =>
  new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
