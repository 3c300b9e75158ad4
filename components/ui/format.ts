const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
const integerFormat = new Intl.NumberFormat("en-US");

export const formatDate = (d: Date | string | null | undefined) => (d ? dateFormat.format(new Date(d)) : "—");
export const formatDateTime = (d: Date | string | null | undefined) => (d ? dateTimeFormat.format(new Date(d)) : "—");
export const formatInteger = (n: number) => integerFormat.format(n);
/** Integer cents → "$1,234.56". */
export const formatCents = (cents: number) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
