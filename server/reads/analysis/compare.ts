// Experiments side by side: each one's best score so far against training steps, and its best,
// final and generation-0 scores (PBT against grid search, PBT against PB2).
import type { Comparison, ComparedExperiment } from "../../domain/analysis";
import type { OBJECTIVES } from "../../pbt/config";
import type { PrismaClient } from "../../db/generated/client";
import { experimentByName, type ExperimentRecord } from "./read";

/** A finished job with a finite score, and the last step it reported metric points at (null: none). */
export interface ScoredJob {
  id: number;
  member: number;
  generation: number;
  score: number;
  lastStep: number | null;
}

/** Points of a curve at most; past it the improvements are thinned evenly (the last kept). */
export const MAX_CURVE_POINTS = 500;

/** The best score so far at each x where it improved, and at the last x reached. */
export function bestSoFar(points: { x: number; score: number }[], objective: (typeof OBJECTIVES)[number]): { x: number; best: number }[] {
  const better = (a: number, b: number) => (objective === "maximize" ? a > b : a < b);
  const sorted = points.slice().sort((a, b) => a.x - b.x);
  const curve: { x: number; best: number }[] = [];
  for (const p of sorted) {
    const last = curve.at(-1);
    if (last === undefined || better(p.score, last.best)) {
      // Several jobs at one x: the best of them, once.
      if (last && last.x === p.x) last.best = p.score;
      else curve.push({ x: p.x, best: p.score });
    }
  }
  const end = sorted.at(-1);
  const last = curve.at(-1);
  if (end && last && end.x > last.x) curve.push({ x: end.x, best: last.best });
  if (curve.length <= MAX_CURVE_POINTS) return curve;
  return Array.from({ length: MAX_CURVE_POINTS }, (_, i) => curve[Math.round((i * (curve.length - 1)) / (MAX_CURVE_POINTS - 1))]!);
}

/** One experiment of the comparison, from its finished jobs; x is the job's last step or its generation + 1. */
export function compareOne(experiment: ExperimentRecord, jobs: ScoredJob[], x: Comparison["x"]): ComparedExperiment {
  const { config } = experiment;
  const better = (a: number, b: number) => (config.objective === "maximize" ? a > b : a < b);
  const xOf = (j: ScoredJob) => (x === "step" ? (j.lastStep ?? 0) : j.generation + 1);
  let best: ComparedExperiment["best"] = null;
  let generation0: number | null = null;
  const latest = new Map<number, ScoredJob>();
  for (const j of jobs) {
    if (best === null || better(j.score, best.score)) best = { score: j.score, jobId: j.id, x: xOf(j) };
    if (j.generation === 0 && (generation0 === null || better(j.score, generation0))) generation0 = j.score;
    const previous = latest.get(j.member);
    if (!previous || previous.id < j.id) latest.set(j.member, j);
  }
  let final: number | null = null;
  for (const j of latest.values()) if (final === null || better(j.score, final)) final = j.score;
  return {
    name: experiment.name,
    status: experiment.status,
    objective: config.objective,
    metric: config.metric,
    populationSize: config.populationSize,
    exploit: config.exploit.kind,
    explore: [...new Set(Object.values(config.hyperparameters).flatMap((h) => (h.explore ? [h.explore.kind] : [])))].sort(),
    mode: config.mode,
    jobsDone: jobs.length,
    best,
    final,
    generation0,
    curve: bestSoFar(
      jobs.map((j) => ({ x: xOf(j), score: j.score })),
      config.objective,
    ),
  };
}

/**
 * Finished jobs with a finite score and the last step of each one's metric points: one index probe
 * per job ("MetricPoint"(jobId, step), read backwards), a plan that stays cheap however many
 * points the experiment holds.
 */
async function scoredJobs(prisma: PrismaClient, experimentId: number): Promise<ScoredJob[]> {
  const [row] = await prisma.$queryRaw<{ jobs: [number, number, number, number, number | null][] | null }[]>`
    SELECT json_agg(json_build_array(j.id, j.member, j.generation, j.score,
      (SELECT m.step FROM "MetricPoint" m WHERE m."jobId" = j.id ORDER BY m.step DESC LIMIT 1)) ORDER BY j.id) AS jobs
    FROM "Job" j
    WHERE j."experimentId" = ${experimentId} AND j.status = 'done' AND j.score IS NOT NULL`;
  return (row?.jobs ?? []).map(([id, member, generation, score, lastStep]) => ({ id, member, generation, score: Number(score), lastStep }));
}

export async function compareExperiments(prisma: PrismaClient, names: string[]): Promise<Comparison> {
  const experiments: ExperimentRecord[] = [];
  for (const [i, name] of names.entries()) {
    experiments.push(await experimentByName(prisma, name, `experiments.${i}`));
  }
  const jobs: ScoredJob[][] = [];
  for (const e of experiments) jobs.push(await scoredJobs(prisma, e.id));
  // Steps only when every experiment reports them: one x for every curve of the chart.
  const x: Comparison["x"] = jobs.every((list) => list.length === 0 || list.some((j) => j.lastStep !== null)) ? "step" : "generation";
  return { x, experiments: experiments.map((e, i) => compareOne(e, jobs[i]!, x)) };
}
