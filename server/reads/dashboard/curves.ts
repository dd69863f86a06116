// Metric curves per member, downsampled on the server to a fixed point budget per series, with
// the exploit points marked (where a member's curve jumps because it took a donor's weights: who
// was copied and what explore changed) and the best lineage's own curve (its jobs' points, across
// the members it passed through). Each point says which job it belongs to, so the page can
// highlight any traced lineage on the curves.
//
// x is the training step (continuing across copies), the generation (one point per job), or the
// wall time in seconds since the experiment was created.
import { LineageError } from "../../domain/errors";
import type { PrismaClient } from "../../db/generated/client";
import type { ExperimentConfig, ExploitReason, Mutation } from "../../pbt/config";
import type { Curves, ExploitMark } from "../../domain/overview";
import { downsample } from "./downsample";
import { bestLineage } from "../../domain/projection";

export const DEFAULT_POINT_BUDGET = 300;
/** Points of all series together at most (about 1.2 MB): a population of hundreds gets fewer per member. */
export const MAX_TOTAL_POINTS = 32_000;
/** Exploit marks at most (evenly thinned past it): at thousands of exploits they are a texture anyway. */
export const MAX_EXPLOIT_MARKS = 1_000;

interface PointRow {
  jobId: number;
  member: number;
  step: number;
  value: number;
}

export async function metricCurves(prisma: PrismaClient, name: string, options: { metric?: string; budget?: number; x?: Curves["x"] } = {}): Promise<Curves> {
  const experiment = await prisma.experiment.findUnique({ where: { name }, select: { id: true, config: true, createdAt: true } });
  if (!experiment) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  const config = experiment.config as unknown as ExperimentConfig;
  const budget = Math.max(4, options.budget ?? DEFAULT_POINT_BUDGET);

  // Metric names from the latest points (a worker reports the same keys all along).
  const keys = await prisma.$queryRaw<{ key: string }[]>`
    SELECT DISTINCT jsonb_object_keys("values") AS key
    FROM (SELECT "values" FROM "MetricPoint" WHERE "experimentId" = ${experiment.id} ORDER BY id DESC LIMIT 500) recent`;
  const reported = keys.map((k) => k.key).sort();
  const metrics = [config.metric, ...reported.filter((k) => k !== config.metric)];
  // By default a metric reported during jobs (a curve), the experiment's own when it is one.
  const metric = options.metric ?? (reported.length === 0 || reported.includes(config.metric) ? config.metric : reported[0]!);
  let x: Curves["x"] = options.x ?? "step";

  const jobs = await prisma.job.findMany({
    where: { experimentId: experiment.id },
    select: { id: true, member: true, generation: true, status: true, score: true, parentId: true, origin: true, donorJobId: true, exploitReason: true },
    orderBy: { id: "asc" },
  });
  const jobById = new Map(jobs.map((j) => [j.id, j]));
  const best = bestLineage(jobs, config.objective);

  // One row per member with its points as a JSON array: 64,000 points cost 0.25 s this way against
  // 0.6 s as rows (PGlite decodes each row's columns in JavaScript; one JSON.parse is native).
  // In the order the member trained: job by job, then step.
  const xColumn = x === "time" ? "time" : "step";
  const members = await prisma.$queryRaw<{ member: number; points: [number, number, unknown][] }[]>`
    SELECT member, json_agg(json_build_array(
      "jobId",
      CASE WHEN ${xColumn} = 'time' THEN round(extract(epoch FROM "createdAt" - ${experiment.createdAt}::timestamp)::numeric, 3)::float8 ELSE step END,
      "values"->${metric}) ORDER BY "jobId", step, id) AS points
    FROM "MetricPoint"
    WHERE "experimentId" = ${experiment.id} AND "values" ? ${metric}
    GROUP BY member ORDER BY member`;
  let rows: PointRow[] = members.flatMap(({ member, points }) =>
    points.flatMap(([jobId, step, value]) => (typeof value === "number" && Number.isFinite(value) ? [{ jobId, member, step, value }] : [])),
  );
  if (x === "generation") {
    // One point per job at its generation: the last value it reported.
    const last = new Map<number, PointRow>();
    for (const row of rows) last.set(row.jobId, row);
    rows = [...last.values()].map((r) => ({ ...r, step: jobById.get(r.jobId)?.generation ?? 0 }));
  }
  if (rows.length === 0 && metric === config.metric && x !== "time") {
    // Workers that report only results: each finished job is one point at its generation.
    x = "generation";
    rows = jobs
      .filter((j) => j.status === "done" && j.score !== null && Number.isFinite(j.score))
      .map((j) => ({ jobId: j.id, member: j.member, step: j.generation, value: j.score! }));
  }
  rows.sort((a, b) => a.member - b.member || a.jobId - b.jobId || a.step - b.step);

  const byMember = new Map<number, PointRow[]>();
  const firstOfJob = new Map<number, PointRow>();
  const byJob = new Map<number, PointRow[]>();
  for (const row of rows) {
    let list = byMember.get(row.member);
    if (!list) byMember.set(row.member, (list = []));
    list.push(row);
    if (!firstOfJob.has(row.jobId)) firstOfJob.set(row.jobId, row);
    let jobPoints = byJob.get(row.jobId);
    if (!jobPoints) byJob.set(row.jobId, (jobPoints = []));
    jobPoints.push(row);
  }

  let exploits: ExploitMark[] = [];
  for (const job of jobs) {
    if (job.origin !== "exploit") continue;
    const first = firstOfJob.get(job.id);
    if (!first) continue;
    const donor = job.donorJobId === null ? undefined : jobById.get(job.donorJobId);
    exploits.push({
      jobId: job.id,
      member: job.member,
      donorMember: donor?.member ?? null,
      donorJobId: job.donorJobId,
      reason: job.exploitReason as ExploitReason | null,
      mutations: [],
      generation: job.generation,
      step: first.step,
      value: first.value,
    });
  }
  exploits = thin(exploits, MAX_EXPLOIT_MARKS);
  // What explore changed, for the marks sent only.
  if (exploits.length > 0) {
    const changed = await prisma.job.findMany({ where: { id: { in: exploits.map((e) => e.jobId) } }, select: { id: true, mutations: true } });
    const mutationsOf = new Map(changed.map((c) => [c.id, c.mutations as unknown as Mutation[]]));
    for (const mark of exploits) mark.mutations = mutationsOf.get(mark.jobId) ?? [];
  }

  const perSeries = Math.max(4, Math.min(budget, Math.floor(MAX_TOTAL_POINTS / Math.max(1, byMember.size))));
  const series = [...byMember.entries()]
    .sort(([a], [b]) => a - b)
    .map(([member, points]) => {
      const kept = downsample(points, perSeries);
      return { member, points: kept.map(({ step, value }) => ({ step, value })), jobIds: kept.map((p) => p.jobId) };
    });

  let bestCurve: Curves["best"] = null;
  if (best) {
    const points = best.jobIds.flatMap((id) => byJob.get(id) ?? []);
    bestCurve = { jobId: best.jobId, points: downsample(points, budget).map(({ step, value }) => ({ step, value })) };
  }

  return { metrics, metric, x, series, exploits, best: bestCurve, totalPoints: rows.length };
}

/** At most `max` of the items, evenly spaced, the first and last kept. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]!);
}
