/** Aligned plain-text tables for benchmark output (numbers right-aligned, text left-aligned). */

export type TableCell = string | number | boolean | null | undefined;
export type TableRow = Record<string, TableCell>;

function formatCell(value: TableCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "number") return String(value);
  if (Number.isNaN(value)) return "-";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  // Two decimals for small numbers (latencies in ms), one for large ones (requests/s).
  return value.toLocaleString("en-US", { maximumFractionDigits: Math.abs(value) < 100 ? 2 : 1, minimumFractionDigits: Math.abs(value) < 100 ? 2 : 1 });
}

/** Render rows as a table; columns are the union of row keys in first-seen order. */
export function formatTable(rows: readonly TableRow[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);

  const cells = rows.map((row) => columns.map((column) => formatCell(row[column])));
  const numeric = columns.map((column) => rows.every((row) => row[column] === undefined || typeof row[column] === "number"));
  const widths = columns.map((column, c) => Math.max(column.length, ...cells.map((line) => (line[c] ?? "").length)));

  const pad = (text: string, c: number) => (numeric[c] ? text.padStart(widths[c] ?? 0) : text.padEnd(widths[c] ?? 0));
  const header = columns.map((column, c) => pad(column, c)).join("  ");
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const body = cells.map((line) => line.map((text, c) => pad(text, c)).join("  "));
  return [header, rule, ...body].map((line) => line.trimEnd()).join("\n");
}

export function printTable(rows: readonly TableRow[], log: (text: string) => void = console.log): void {
  log(formatTable(rows));
}
