// How a reported metric value reads. JSON has no NaN or Infinity, so a worker whose training
// diverged reports one of the strings "NaN", "Infinity", "-Infinity" (protobuf's JSON mapping uses
// the same): the job is done, marked diverged, and ranks below every finite score.
import { NON_FINITE_STRINGS } from "./config";

export type MetricValue = { kind: "score"; score: number } | { kind: "diverged" } | { kind: "missing" } | { kind: "invalid" };

export function readMetric(value: unknown): MetricValue {
  if (value === undefined) return { kind: "missing" };
  // A non-finite number cannot come from JSON except as an overflowing literal (1e400): one
  // convention, the strings, says "diverged".
  if (typeof value === "number") return Number.isFinite(value) ? { kind: "score", score: value } : { kind: "invalid" };
  if (typeof value === "string" && (NON_FINITE_STRINGS as readonly string[]).includes(value)) return { kind: "diverged" };
  return { kind: "invalid" };
}

/** What the API documents as an accepted metric value. */
export const METRIC_VALUE_ACCEPTED = `finite number, or "NaN", "Infinity" or "-Infinity" for a run that diverged`;
