// The job page's read model: the job, how it came to be, its ancestry back to generation 0,
// the jobs that continue from it, and the curve of its lineage (its own points highlighted).
import type { JobDetail, JobLink } from "../../domain/overview";
import { LineageError } from "../../domain/errors";
import { Prisma, type PrismaClient } from "../../db/generated/client";
import type { ExperimentConfig, JobOrigin, JobStatus } from "../../pbt/config";
import { toJob } from "../../db/rows";
import { downsample } from "./downsample";

const linkSelect = { id: true, member: true, generation: true, attempt: true, status: true, origin: true, score: true, donorJobId: true } as const;

function toLink(j: {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  origin: string;
  score: number | null;
  donorJobId: number | null;
}): JobLink {
  return { ...j, status: j.status as JobStatus, origin: j.origin as JobOrigin };
}

/**
 * The metric a lineage's curve shows unless one is asked for: the experiment's own when workers
 * report it as points; else the reported one its name contains (MNIST reports `accuracy` points for
 * the metric `max_accuracy`); else the first reported.
 */
export function defaultCurveMetric(metric: string, reported: string[]): string | null {
  if (reported.includes(metric)) return metric;
  const contained = reported.filter((k) => metric.includes(k)).sort((a, b) => b.length - a.length)[0];
  return contained ?? reported[0] ?? null;
}

export async function jobDetail(prisma: PrismaClient, id: number, options: { metric?: string; budget?: number } = {}): Promise<JobDetail> {
  const budget = options.budget ?? 400;
  const job = await prisma.job.findUnique({ where: { id }, include: { experiment: { select: { name: true, config: true, lastEventSeq: true } } } });
  if (!job) throw new LineageError("job_not_found", `no job with id ${id}`);
  const config = job.experiment.config as unknown as ExperimentConfig;
  const chain = await prisma.$queryRaw<{ id: number; depth: number }[]>`
    WITH RECURSIVE chain(id, "parentId", depth) AS (
      SELECT id, "parentId", 0 FROM "Job" WHERE id = ${id}
      UNION ALL
      SELECT j.id, j."parentId", c.depth + 1 FROM "Job" j JOIN chain c ON j.id = c."parentId" WHERE c.depth < 1000000
    ) SELECT id, depth FROM chain`;
  const ids = chain.sort((a, b) => b.depth - a.depth).map((c) => c.id);
  const links = await prisma.job.findMany({ where: { id: { in: ids } }, select: linkSelect });
  const linkById = new Map(links.map((l) => [l.id, toLink(l)]));
  const ancestry = ids.map((i) => linkById.get(i)).filter((l): l is JobLink => l !== undefined);
  const donor = job.donorJobId === null ? null : await prisma.job.findUnique({ where: { id: job.donorJobId }, select: linkSelect });
  const children = await prisma.job.findMany({ where: { parentId: id }, select: linkSelect, orderBy: { id: "asc" } });
  const keys = await prisma.$queryRaw<{ key: string }[]>`
    SELECT DISTINCT jsonb_object_keys("values") AS key FROM "MetricPoint" WHERE "jobId" IN (${joinIds(ids)})`;
  const metrics = keys.map((k) => k.key).sort();
  const metric = options.metric ?? defaultCurveMetric(config.metric, metrics) ?? config.metric;
  // Non-finite values ("NaN" of a diverged run) are text in the JSON: only numbers make the curve.
  const points = await prisma.$queryRaw<{ jobId: number; step: number; value: number }[]>`
    SELECT "jobId", step, ("values"->>${metric})::float8 AS value FROM "MetricPoint"
    WHERE "jobId" IN (${joinIds(ids)}) AND jsonb_typeof("values"->${metric}) = 'number' ORDER BY step, id`;
  const curve = downsample(
    points.map((p) => ({ jobId: p.jobId, step: p.step, value: Number(p.value) })).filter((p) => Number.isFinite(p.value)),
    budget,
  );
  return {
    job: toJob(job),
    experiment: { name: job.experiment.name, objective: config.objective, metric: config.metric, lastEventSeq: job.experiment.lastEventSeq },
    ancestry,
    donor: donor ? toLink(donor) : null,
    children: children.map(toLink),
    metrics,
    metric,
    curve,
  };
}

function joinIds(ids: number[]) {
  return Prisma.join(ids.length ? ids : [-1]);
}
