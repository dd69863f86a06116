// The axes of the parallel coordinates and the scatter: where a value sits on its axis (0 at the
// bottom, 1 at the top), the axis' round ticks, and which jobs a set of brushes selects.
import type { AnalysisJob, AnalysisParameter } from "@/server/domain/analysis";
import { logTicks, niceLinear } from "./ticks";

export interface Axis {
  /** A parameter's name, or SCORE_AXIS. */
  key: string;
  title: string;
  kind: "numeric" | "categorical";
  scale: "linear" | "log";
  domain: [number, number];
  ticks: { value: number | string; t: number }[];
  levels: string[];
}

export const SCORE_AXIS = "(score)";

function numericAxis(key: string, title: string, scale: "linear" | "log", min: number, max: number): Axis {
  const { domain, ticks } = scale === "log" ? logTicks(min, max) : niceLinear(min, max);
  const axis: Axis = { key, title, kind: "numeric", scale, domain, ticks: [], levels: [] };
  axis.ticks = ticks.map((value) => ({ value, t: position(axis, value)! }));
  return axis;
}

/** The axes of the parameters that vary (constant ones tell nothing), then the score's. */
export function axesOf(parameters: AnalysisParameter[], jobs: AnalysisJob[], metric: string): Axis[] {
  const axes: Axis[] = [];
  for (const p of parameters) {
    if (p.kind === "constant") continue;
    if (p.kind === "categorical") {
      const axis: Axis = {
        key: p.name,
        title: p.name,
        kind: "categorical",
        scale: "linear",
        domain: [0, Math.max(1, p.levels.length - 1)],
        ticks: [],
        levels: p.levels,
      };
      axis.ticks = p.levels.map((value) => ({ value, t: position(axis, value)! }));
      axes.push(axis);
    } else {
      axes.push(numericAxis(p.name, p.scale === "log" ? `${p.name} (log)` : p.name, p.scale, p.min ?? 0, p.max ?? 1));
    }
  }
  const scores = jobs.map((j) => j.score);
  const lo = scores.length ? scores.reduce((a, b) => Math.min(a, b)) : 0;
  const hi = scores.length ? scores.reduce((a, b) => Math.max(a, b)) : 1;
  axes.push(numericAxis(SCORE_AXIS, metric, "linear", lo, hi));
  return axes;
}

/** Where a value sits on the axis, 0 (bottom) to 1 (top); null when the axis cannot place it. */
export function position(axis: Axis, value: number | string | undefined): number | null {
  if (value === undefined) return null;
  if (axis.kind === "categorical") {
    const i = axis.levels.indexOf(String(value));
    if (i < 0) return null;
    return axis.levels.length === 1 ? 0.5 : i / (axis.levels.length - 1);
  }
  if (typeof value !== "number") return null;
  const [d0, d1] = axis.domain;
  if (axis.scale === "log") {
    if (!(value > 0)) return null;
    return (Math.log(value) - Math.log(d0)) / (Math.log(d1) - Math.log(d0));
  }
  return d1 === d0 ? 0.5 : (value - d0) / (d1 - d0);
}

/** The value at a position of a numeric axis (a brush's ends, shown as numbers). */
export function valueAt(axis: Axis, t: number): number {
  const [d0, d1] = axis.domain;
  if (axis.scale === "log") return Math.exp(Math.log(d0) + t * (Math.log(d1) - Math.log(d0)));
  return d0 + t * (d1 - d0);
}

export function valueOf(job: AnalysisJob, key: string): number | string | undefined {
  return key === SCORE_AXIS ? job.score : job.values[key];
}

/** A brush: the positions [low, high] it covers on its axis. */
export type Brushes = Record<string, [number, number]>;

/** The jobs inside every brush (all of them when there is none); a job without a value on a brushed axis is out. */
export function brushed(jobs: AnalysisJob[], axes: Axis[], brushes: Brushes): AnalysisJob[] {
  const active = axes.filter((a) => brushes[a.key]);
  if (active.length === 0) return jobs;
  return jobs.filter((j) =>
    active.every((a) => {
      const t = position(a, valueOf(j, a.key));
      const [lo, hi] = brushes[a.key]!;
      return t !== null && t >= lo - 1e-9 && t <= hi + 1e-9;
    }),
  );
}
