/** A plain, accessible table: a caption, column headers, rows of cells; "None" when empty. */
export function DataTable({ caption, columns, rows, testId }: { caption: string; columns: string[]; rows: React.ReactNode[][]; testId?: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr className="border-b border-zinc-200 text-xs uppercase text-zinc-600">
            {columns.map((c) => (
              <th key={c} scope="col" className="px-2 py-1.5 font-medium">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="px-2 py-3 text-zinc-600">
                None
              </td>
            </tr>
          ) : (
            rows.map((r, i) => (
              <tr key={i} className="border-b border-zinc-100 align-top" data-testid={testId ? `${testId}-row` : undefined}>
                {r.map((cell, j) => (
                  <td key={j} className="px-2 py-1.5 text-zinc-800">
                    {cell}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
