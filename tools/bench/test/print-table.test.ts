import { describe, expect, it } from "vitest";
import { formatTable, printTable } from "../print-table";

describe("formatTable", () => {
  it("aligns columns: text left, numbers right, with a rule under the header", () => {
    const text = formatTable([
      { mode: "json", clients: 1, "req/s": 3940.56, "p50 ms": 0.2134 },
      { mode: "stream", clients: 64, "req/s": 12.5, "p50 ms": Number.NaN },
    ]);
    expect(text.split("\n")).toEqual([
      "mode    clients    req/s  p50 ms",
      "------  -------  -------  ------",
      "json          1  3,940.6    0.21",
      "stream       64    12.50       -",
    ]);
  });

  it("takes the union of keys and leaves missing cells empty", () => {
    const lines = formatTable([{ a: "x" }, { b: 2 }]).split("\n");
    expect(lines[0]).toBe("a  b");
    expect(lines[2]).toBe("x");
    expect(lines[3]).toBe("   2");
  });

  it("prints through the given logger", () => {
    const out: string[] = [];
    printTable([{ a: 1 }], (line) => out.push(line));
    expect(out).toEqual(["a\n-\n1"]);
    expect(formatTable([])).toBe("(no rows)");
  });
});
