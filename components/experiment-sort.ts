// The order of the experiment list's columns: what "sorted by best score" means for each one.
import type { ExperimentSummary } from "@/server/domain/experiment";

export const SORT_KEYS = ["name", "status", "metric", "best", "population", "progress", "running", "created"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const STATUS_ORDER = { running: 0, paused: 1, done: 2 } as const;

/** How far the run is, 0 to 1 (a done experiment is complete, whatever depth it reached). */
function progressOf(e: ExperimentSummary): number {
  const total = e.populationSize * e.maxGenerations;
  return e.status === "done" ? 1 : total > 0 ? Math.min(1, e.generationsReached / total) : 0;
}

function keyOf(e: ExperimentSummary, key: SortKey): number | string | null {
  switch (key) {
    case "name":
      return e.name.toLocaleLowerCase();
    case "status":
      return STATUS_ORDER[e.status];
    case "metric":
      return `${e.objective} ${e.metric}`;
    case "best":
      return e.bestScore;
    case "population":
      return e.populationSize;
    case "progress":
      return progressOf(e);
    case "running":
      return e.runningJobs;
    case "created":
      return e.id; // ids grow with creation, and two experiments never tie
  }
}

/**
 * Compares two rows by a column, in either order. Experiments without a value (no score yet) come
 * last in both orders, and ties keep the newest first.
 */
export function compareRows(a: ExperimentSummary, b: ExperimentSummary, key: SortKey, order: "asc" | "desc"): number {
  const x = keyOf(a, key);
  const y = keyOf(b, key);
  if (x === null || y === null) {
    if (x !== y) return x === null ? 1 : -1;
  } else if (x !== y) {
    const c = typeof x === "string" && typeof y === "string" ? x.localeCompare(y) : (x as number) - (y as number);
    if (c !== 0) return order === "asc" ? c : -c;
  }
  return b.id - a.id;
}
