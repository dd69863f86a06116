// An experiment's analysis from its finished jobs, as plain data in and out (read.ts reads them):
// the axes of its hyperparameters, the jobs to draw, and the importance of each parameter for the
// score and for the improvement over a generation (importance.ts).
import { IMPORTANCE_METHOD, type Analysis, type AnalysisJob, type AnalysisParameter } from "../../domain/analysis";
import type { ExperimentConfig, Hyperparameter } from "../../pbt/config";
import { importanceOf, type Sample } from "./importance";

/** Jobs drawn at most (parallel coordinates and scatter); importance uses every job of the range. */
export const MAX_ANALYSIS_JOBS = 2_000;

/** A finished job with a finite score, and its parent's score. */
export interface FinishedJob {
  id: number;
  member: number;
  generation: number;
  score: number;
  hyperparameters: Record<string, unknown>;
  /** The parent's score when the parent finished with a finite one. */
  parentScore: number | null;
}

export interface AnalysisInput {
  experiment: Analysis["experiment"];
  config: ExperimentConfig;
  /** Every finished job with a finite score, of every generation. */
  jobs: FinishedJob[];
  fromGeneration?: number;
  toGeneration?: number;
  maxJobs?: number;
}

/** A categorical value's label: strings as they are, anything else as JSON. */
export function levelLabel(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parameterOf(name: string, h: Hyperparameter, seen: unknown[]): AnalysisParameter {
  const explored = h.explore !== undefined;
  const init = h.init;
  if (init.kind === "const") return { name, kind: "constant", scale: "linear", explored: false, min: null, max: null, levels: [levelLabel(init.value)] };
  if (init.kind === "choice") {
    const levels = [...new Set([...init.values.map(levelLabel), ...seen.map(levelLabel)])];
    return { name, kind: "categorical", scale: "linear", explored, min: null, max: null, levels };
  }
  let min: number | null = null;
  let max: number | null = null;
  for (const v of seen) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    min = min === null ? v : Math.min(min, v);
    max = max === null ? v : Math.max(max, v);
  }
  if (init.kind !== "normal") {
    min = Math.min(min ?? init.low, init.low);
    max = Math.max(max ?? init.high, init.high);
  } else if (min === null || max === null) {
    min = init.mean - 2 * init.std;
    max = init.mean + 2 * init.std;
  }
  return { name, kind: "numeric", scale: init.kind === "loguniform" ? "log" : "linear", explored, min, max, levels: [] };
}

function valuesOf(hyperparameters: Record<string, unknown>, parameters: AnalysisParameter[]): AnalysisJob["values"] {
  const values: AnalysisJob["values"] = {};
  for (const p of parameters) {
    const v = hyperparameters[p.name];
    if (v === undefined) continue;
    if (p.kind === "numeric") {
      if (typeof v === "number" && Number.isFinite(v)) values[p.name] = v;
    } else values[p.name] = levelLabel(v);
  }
  return values;
}

/** At most `max` of the items, evenly spaced, the first and last kept. */
function evenly<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  if (max <= 1) return items.slice(0, max);
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]!);
}

export function buildAnalysis(input: AnalysisInput): Analysis {
  const { config } = input;
  const sign = config.objective === "maximize" ? 1 : -1;
  const all = input.jobs;
  // A loop rather than Math.min(...): 100,000 arguments overflow the stack.
  const generations = all.length
    ? all.reduce((g, j) => ({ min: Math.min(g.min, j.generation), max: Math.max(g.max, j.generation) }), { min: Infinity, max: -Infinity })
    : null;
  const from = input.fromGeneration ?? -Infinity;
  const to = input.toGeneration ?? Infinity;
  const inRange = all
    .filter((j) => j.generation >= from && j.generation <= to)
    .sort((a, b) => a.generation - b.generation || a.member - b.member || a.id - b.id);

  const parameters = Object.entries(config.hyperparameters)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, h]) =>
      parameterOf(
        name,
        h,
        inRange.map((j) => j.hyperparameters[name]),
      ),
    );

  const jobs: AnalysisJob[] = inRange.map((j) => ({
    id: j.id,
    member: j.member,
    generation: j.generation,
    score: j.score,
    improvement: j.parentScore === null ? null : sign * (j.score - j.parentScore),
    values: valuesOf(j.hyperparameters, parameters),
  }));

  // The score relative to its generation's mean: later generations score more for having trained
  // longer, and PBT moves the values along with them; within a generation, the values decide.
  const sums = new Map<number, { sum: number; n: number }>();
  for (const j of jobs) {
    const s = sums.get(j.generation) ?? { sum: 0, n: 0 };
    sums.set(j.generation, { sum: s.sum + j.score, n: s.n + 1 });
  }
  const scoreSamples: Sample[] = jobs.map((j) => {
    const s = sums.get(j.generation)!;
    return { values: j.values, y: j.score - s.sum / s.n };
  });
  const improvementSamples: Sample[] = jobs.flatMap((j) => (j.improvement === null ? [] : [{ values: j.values, y: j.improvement }]));

  return {
    experiment: input.experiment,
    generations,
    filter: { fromGeneration: input.fromGeneration ?? null, toGeneration: input.toGeneration ?? null },
    parameters,
    jobs: evenly(jobs, input.maxJobs ?? MAX_ANALYSIS_JOBS),
    totalJobs: jobs.length,
    importance: {
      method: IMPORTANCE_METHOD,
      score: importanceOf(scoreSamples, parameters),
      improvement: importanceOf(improvementSamples, parameters),
    },
  };
}
