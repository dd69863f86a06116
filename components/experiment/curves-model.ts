// The score curves' data as drawn: each member's line (smoothed when asked), the value of every
// member at an x (the hover), the y range fitted to what is in view (optionally to the best k
// members), and the traced lineage's path across members. Pure: unit-tested, and fast enough to
// run on every pointer move at 1,000 members.
import type { Curves } from "./types";

export interface CurveLine {
  member: number;
  xs: number[];
  ys: number[];
  jobIds: number[];
  /** Point indices sorted by x (ties: the later point), for lookups at an x. */
  byX: number[];
}

/** Exponential moving average as TensorBoard draws it (debiased), restarted where a copy starts. */
export function smooth(ys: number[], restarts: Set<number>, weight: number): number[] {
  if (weight <= 0) return ys;
  const out: number[] = new Array(ys.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    if (restarts.has(i)) {
      last = 0;
      n = 0;
    }
    last = last * weight + (1 - weight) * ys[i]!;
    n++;
    out[i] = last / (1 - weight ** n);
  }
  return out;
}

export function buildLines(curves: Curves, smoothing: number, xUnit = 1): CurveLine[] {
  const copies = new Set(curves.exploits.map((e) => e.jobId));
  return curves.series.map((s) => {
    const xs = s.points.map((p) => p.step / xUnit);
    const raw = s.points.map((p) => p.value);
    // A copy starts from its donor's weights: its curve does not continue the member's own.
    const restarts = new Set<number>();
    for (let i = 1; i < s.jobIds.length; i++) if (s.jobIds[i] !== s.jobIds[i - 1] && (copies.has(s.jobIds[i]!) || xs[i]! < xs[i - 1]!)) restarts.add(i);
    const ys = smooth(raw, restarts, smoothing);
    const byX = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);
    return { member: s.member, xs, ys, jobIds: s.jobIds.length === xs.length ? s.jobIds : xs.map(() => -1), byX };
  });
}

/** Whether higher values of the metric are better: the objective for its own metric, else a guess from the name. */
export function higherIsBetter(metric: string, config: { metric: string; objective: "maximize" | "minimize" }): boolean {
  if (metric === config.metric) return config.objective === "maximize";
  return !/loss|error|err$|perplexity|mse|mae|rmse|regret|cost/i.test(metric);
}

/** Index of the last point at or before x (in x order), or -1. */
function lastAtOrBefore(line: CurveLine, x: number): number {
  let lo = 0;
  let hi = line.byX.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (line.xs[line.byX[mid]!]! <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? -1 : line.byX[found]!;
}

export interface ValueAt {
  member: number;
  x: number;
  value: number;
  jobId: number;
}

/**
 * Every member's value at x: its latest point at or before x, for members whose line spans x.
 * Best first.
 */
export function valuesAt(lines: CurveLine[], x: number, higher: boolean): ValueAt[] {
  const out: ValueAt[] = [];
  for (const line of lines) {
    if (line.byX.length === 0) continue;
    const first = line.xs[line.byX[0]!]!;
    const last = line.xs[line.byX[line.byX.length - 1]!]!;
    if (x < first || x > last) continue;
    const i = lastAtOrBefore(line, x);
    if (i < 0) continue;
    out.push({ member: line.member, x: line.xs[i]!, value: line.ys[i]!, jobId: line.jobIds[i]! });
  }
  return out.sort((a, b) => (higher ? b.value - a.value : a.value - b.value) || a.member - b.member);
}

/** Members ranked by their line's last value, best first. */
export function rankMembers(lines: CurveLine[], higher: boolean): number[] {
  return lines
    .filter((l) => l.ys.length > 0)
    .map((l) => ({ member: l.member, value: l.ys[l.byX[l.byX.length - 1]!]! }))
    .sort((a, b) => (higher ? b.value - a.value : a.value - b.value) || a.member - b.member)
    .map((r) => r.member);
}

/** [min, max] of x over every line (null when there are no points). */
export function xExtent(lines: CurveLine[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if (l.byX.length === 0) continue;
    lo = Math.min(lo, l.xs[l.byX[0]!]!);
    hi = Math.max(hi, l.xs[l.byX[l.byX.length - 1]!]!);
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * [min, max] of the values in view: the points inside [x0, x1] of the given members (all when
 * null), on a log axis only positive values. Null when nothing is in view.
 */
export function yExtent(lines: CurveLine[], [x0, x1]: [number, number], members: Set<number> | null, log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if (members && !members.has(l.member)) continue;
    for (let i = 0; i < l.xs.length; i++) {
      const x = l.xs[i]!;
      const y = l.ys[i]!;
      if (x < x0 || x > x1 || (log && !(y > 0))) continue;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A log axis' domain: whole powers of ten around the values when they span one, else a margin. */
export function logDomain([lo, hi]: [number, number]): [number, number] {
  const a = 10 ** Math.floor(Math.log10(lo));
  const b = 10 ** Math.ceil(Math.log10(hi));
  return a === b ? [a / 2, b * 2] : [a, b];
}

export interface TracePath {
  jobId: number;
  points: { x: number; y: number }[];
}

/**
 * The traced lineage on the curves: each traced job's points, joined to its parent's last point
 * (so the path runs on across the copy to the donor's member).
 */
export function tracePaths(lines: CurveLine[], traced: Set<number>, parentOf: (jobId: number) => number | null): TracePath[] {
  const byJob = new Map<number, { x: number; y: number }[]>();
  for (const l of lines) {
    for (let i = 0; i < l.xs.length; i++) {
      const id = l.jobIds[i]!;
      if (!traced.has(id)) continue;
      let list = byJob.get(id);
      if (!list) byJob.set(id, (list = []));
      list.push({ x: l.xs[i]!, y: l.ys[i]! });
    }
  }
  const paths: TracePath[] = [];
  for (const [jobId, points] of byJob) {
    const parent = parentOf(jobId);
    const before = parent === null ? undefined : byJob.get(parent)?.at(-1);
    paths.push({ jobId, points: before ? [before, ...points] : points });
  }
  return paths.sort((a, b) => a.jobId - b.jobId);
}

/** Where each job's line ends: the donor side of an exploit's connector. */
export function lastPointOfJobs(lines: CurveLine[]): Map<number, { x: number; y: number; member: number }> {
  const out = new Map<number, { x: number; y: number; member: number }>();
  for (const l of lines) for (let i = 0; i < l.xs.length; i++) out.set(l.jobIds[i]!, { x: l.xs[i]!, y: l.ys[i]!, member: l.member });
  return out;
}
