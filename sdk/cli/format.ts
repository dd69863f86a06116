// Plain-text tables for the command line.
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) =>
    r.map((c) => (c === null || c === undefined ? "" : typeof c === "number" ? formatNumber(c) : typeof c === "string" ? c : JSON.stringify(c))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? n.toExponential(3) : n.toPrecision(4).replace(/\.?0+$/, "");
}

export function formatValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : JSON.stringify(v)}`)
    .join(" ");
}
