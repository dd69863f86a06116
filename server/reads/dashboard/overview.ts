// The experiment page's read model: every job as a light node (for the lineage tree and the
// hyperparameter schedules), one row per member (the population table), progress and the best
// lineage. Curves are separate (curves.ts): they are the heavy part and refresh on their own.
import { LineageError } from "../../domain/errors";
import { Prisma, type PrismaClient } from "../../db/generated/client";
import type { ExperimentConfig, ExploitReason, JobOrigin, JobStatus } from "../../pbt/config";
import { depthReached } from "../../pbt/member";
import { toExperiment } from "../../db/rows";
import type { BestLineage, ExperimentOverview, JobNode, MemberRow, Progress } from "../../domain/overview";

/**
 * Jobs sent as nodes at most (about 2 MB): past it, each member's latest jobs, an equal share.
 * The page draws a tree of generation × member, unreadable long before this size anyway; the
 * rows, progress and best lineage are computed over every job.
 */
export const OVERVIEW_MAX_JOBS = 10_000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface JobRow {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  score: number | null;
  diverged: boolean;
  parentId: number | null;
  origin: string;
  donorJobId: number | null;
  exploitReason: string | null;
  hyperparameters: unknown;
  workerId: string | null;
  heartbeatAt: Date | null;
}

const JOB_COLUMNS = Prisma.sql`j.id, j.member, j.generation, j.attempt, j.status, j.score, j.diverged, j."parentId", j.origin, j."donorJobId", j."exploitReason", j.hyperparameters, j."workerId", j."heartbeatAt"`;

export async function experimentOverview(prisma: PrismaClient, name: string): Promise<ExperimentOverview> {
  const row = await prisma.experiment.findUnique({ where: { name } });
  if (!row) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  const experiment = toExperiment(row);
  const config: ExperimentConfig = experiment.config;

  // Counts per member over every job: one pass over the experiment's jobs, in the database.
  const counts = await prisma.$queryRaw<{ member: number; jobs: number; done: number; running: number; queued: number; crashed: number; exploits: number }[]>`
    SELECT member, COUNT(*)::int AS jobs,
      (COUNT(*) FILTER (WHERE status = 'done'))::int AS done,
      (COUNT(*) FILTER (WHERE status = 'running'))::int AS running,
      (COUNT(*) FILTER (WHERE status = 'queued'))::int AS queued,
      (COUNT(*) FILTER (WHERE status = 'crashed'))::int AS crashed,
      (COUNT(*) FILTER (WHERE origin = 'exploit'))::int AS exploits
    FROM "Job" WHERE "experimentId" = ${experiment.id} GROUP BY member ORDER BY member`;
  const totalJobs = counts.reduce((n, c) => n + c.jobs, 0);
  const latestPerMember = totalJobs <= OVERVIEW_MAX_JOBS ? null : Math.max(1, Math.floor(OVERVIEW_MAX_JOBS / Math.max(1, counts.length)));
  // Each member's latest jobs through the (experimentId, member, id) index: a plan that stays flat
  // as the history grows, whatever the database's statistics.
  const rows =
    latestPerMember === null
      ? await prisma.$queryRaw<JobRow[]>`SELECT ${JOB_COLUMNS} FROM "Job" j WHERE j."experimentId" = ${experiment.id} ORDER BY j.id`
      : await prisma.$queryRaw<JobRow[]>`
          SELECT ${JOB_COLUMNS} FROM unnest(${counts.map((c) => c.member)}::int[]) AS m(member)
          CROSS JOIN LATERAL (
            SELECT * FROM "Job" WHERE "experimentId" = ${experiment.id} AND member = m.member ORDER BY id DESC LIMIT ${latestPerMember}
          ) j ORDER BY j.id`;
  const jobs: JobNode[] = rows.map((j) => ({
    id: j.id,
    member: j.member,
    generation: j.generation,
    attempt: j.attempt,
    status: j.status as JobStatus,
    score: j.score,
    diverged: j.diverged,
    parentId: j.parentId,
    origin: j.origin as JobOrigin,
    donorJobId: j.donorJobId,
    exploitReason: j.exploitReason as ExploitReason | null,
    hyperparameters: j.hyperparameters as JobNode["hyperparameters"],
  }));

  const progress: Progress = { done: 0, reached: 0, total: config.populationSize * config.stop.maxGenerations, running: 0, queued: 0, crashed: 0 };
  for (const c of counts) {
    progress.done += c.done;
    progress.running += c.running;
    progress.queued += c.queued;
    progress.crashed += c.crashed;
  }
  const countsOf = new Map(counts.map((c) => [c.member, c]));
  const members = new Map<number, MemberRow>();
  for (const j of rows) {
    const status = j.status as JobStatus;
    const previous = members.get(j.member);
    const c = countsOf.get(j.member);
    // Rows come in id order, so the last one seen is the member's latest job.
    const m: MemberRow = {
      member: j.member,
      jobId: j.id,
      generation: j.generation,
      status,
      hyperparameters: j.hyperparameters as JobNode["hyperparameters"],
      score: previous?.score ?? null,
      diverged: previous?.diverged ?? false,
      scoreGeneration: previous?.scoreGeneration ?? null,
      workerId: j.workerId ?? previous?.workerId ?? null,
      heartbeatAt: iso(j.heartbeatAt) ?? previous?.heartbeatAt ?? null,
      exploits: c?.exploits ?? 0,
      crashes: c?.crashed ?? 0,
    };
    if (status === "done") {
      m.score = j.score;
      m.diverged = j.diverged;
      m.scoreGeneration = j.generation;
    }
    members.set(j.member, m);
  }
  if (latestPerMember !== null) await addScoresBeforeWindow(prisma, experiment.id, [...members.values()]);

  for (const m of members.values()) progress.reached += depthReached(m.scoreGeneration, config.stop.maxGenerations);
  return {
    experiment,
    progress,
    best: await bestLineageOf(prisma, experiment.id, config.objective),
    members: [...members.values()].sort((a, b) => a.member - b.member),
    jobs,
    window: { totalJobs, latestPerMember },
  };
}

/** Rows whose member has no finished job among its latest get its latest finished job's score. */
async function addScoresBeforeWindow(prisma: PrismaClient, experimentId: number, rows: MemberRow[]) {
  const missing = rows.filter((r) => r.scoreGeneration === null);
  if (missing.length === 0) return;
  const found = await prisma.$queryRaw<{ member: number; score: number | null; diverged: boolean; generation: number }[]>`
    SELECT m.member, j.score, j.diverged, j.generation FROM unnest(${missing.map((r) => r.member)}::int[]) AS m(member)
    CROSS JOIN LATERAL (
      SELECT score, diverged, generation FROM "Job"
      WHERE "experimentId" = ${experimentId} AND member = m.member AND status = 'done'
      ORDER BY id DESC LIMIT 1
    ) j`;
  for (const f of found) {
    const row = missing.find((r) => r.member === f.member)!;
    row.score = f.score;
    row.diverged = f.diverged;
    row.scoreGeneration = f.generation;
  }
}

/** The best finished job (as pbt/schedule.ts's bestJob ranks them) and its ancestry, in the database. */
async function bestLineageOf(prisma: PrismaClient, experimentId: number, objective: ExperimentConfig["objective"]): Promise<BestLineage | null> {
  const order = objective === "maximize" ? Prisma.sql`score DESC` : Prisma.sql`score ASC`;
  const [best] = await prisma.$queryRaw<{ id: number; member: number; generation: number; score: number }[]>`
    SELECT id, member, generation, score FROM "Job"
    WHERE "experimentId" = ${experimentId} AND status = 'done' AND score IS NOT NULL
      AND score NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    ORDER BY ${order}, generation DESC, id ASC LIMIT 1`;
  if (!best) return null;
  const chain = await prisma.$queryRaw<{ id: number }[]>`
    WITH RECURSIVE chain(id, "parentId", depth) AS (
      SELECT id, "parentId", 0 FROM "Job" WHERE id = ${best.id}
      UNION ALL
      SELECT j.id, j."parentId", c.depth + 1 FROM "Job" j JOIN chain c ON j.id = c."parentId" WHERE c.depth < 1000000
    ) SELECT id FROM chain ORDER BY depth DESC`;
  return { jobId: best.id, member: best.member, generation: best.generation, score: best.score, jobIds: chain.map((c) => c.id) };
}
