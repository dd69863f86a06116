// Plain-text formatting shared by the dashboard's tables.

/** A score with four significant digits, integers as they are; `null` (no score yet) as a dash. */
export function formatScore(score: number | null): string {
  if (score === null) return "—";
  if (Number.isInteger(score)) return String(score);
  return String(Number(score.toPrecision(4)));
}

/** How long ago `iso` was, coarsely ("12s ago", "5m ago", "3h ago", "2d ago"). */
export function formatAge(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/** A hyperparameter value compactly: numbers with four significant digits, others as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "—";
}
