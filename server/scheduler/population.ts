// Reads an experiment's population in the shape the pure engine decides on.
import type { MemberState } from "../pbt/decide";
import type { Hyperparameters, JobStatus } from "../pbt/config";
import type { Job } from "./jobRows";
import type { Tx } from "./deps";

type Row = {
  member: number;
  id: number;
  generation: number;
  attempt: number;
  status: string;
  hyperparameters: Hyperparameters;
  finishedAt: Date | null;
  doneId: number | null;
  doneGeneration: number | null;
  doneHyperparameters: Hyperparameters | null;
  doneScore: number | null;
  doneResults: unknown;
};

/** A member as the engine sees it, plus the results of its latest done job (what a copy starts from). */
export type MemberRow = MemberState & { lastDoneResults: unknown };

/**
 * A member's jobs are created one after another (next generation after a finished one, a retry
 * after a crash, a pushed job after a finished one), so its latest job is the one with the highest
 * id, and a queued job is always its member's latest. Each member's rows are found by a short
 * backwards walk of the (experimentId, member, id) index, so a decision costs the same whether
 * the experiment has finished a hundred jobs or a hundred thousand.
 */
export async function loadPopulation(tx: Tx, experimentId: number, populationSize: number): Promise<MemberRow[]> {
  const rows = await tx.query<Row>`
    SELECT m.member, l.id, l.generation, l.attempt, l.status, l.hyperparameters, l."finishedAt",
           d.id AS "doneId", d.generation AS "doneGeneration", d.hyperparameters AS "doneHyperparameters", d.score AS "doneScore", d.results AS "doneResults"
    FROM generate_series(0, ${populationSize - 1}::int) AS m(member)
    CROSS JOIN LATERAL (
      SELECT id, generation, attempt, status, hyperparameters, "finishedAt" FROM "Job"
      WHERE "experimentId" = ${experimentId} AND member = m.member AND status <> 'pruned'
      ORDER BY id DESC LIMIT 1
    ) AS l
    LEFT JOIN LATERAL (
      SELECT id, generation, hyperparameters, score, results FROM "Job"
      WHERE "experimentId" = ${experimentId} AND member = m.member AND status = 'done'
      ORDER BY id DESC LIMIT 1
    ) AS d ON true`;
  return rows.map((r) => ({
    member: r.member,
    latest: latestOf(r),
    lastDone:
      r.doneId === null
        ? null
        : { jobId: r.doneId, generation: r.doneGeneration!, hyperparameters: r.doneHyperparameters!, score: Number(r.doneScore) },
    lastDoneResults: r.doneResults,
  }));
}

type LatestJob = Pick<Job, "id" | "member" | "generation" | "attempt" | "status" | "hyperparameters" | "finishedAt">;

function latestOf(job: Omit<LatestJob, "member">): MemberState["latest"] {
  return {
    jobId: job.id,
    generation: job.generation,
    attempt: job.attempt,
    status: job.status as JobStatus,
    hyperparameters: job.hyperparameters as Hyperparameters,
    finishedAt: job.finishedAt ? new Date(job.finishedAt).getTime() : null,
  };
}

/**
 * Keeps a loaded population current while a batch decides: `job` (about to be created, or
 * claimed) is now its member's latest job. Only next-job calls use this; a batch's reports are
 * written before its population is read.
 */
export function handedOut(members: MemberRow[], job: LatestJob): void {
  const member = members.find((m) => m.member === job.member);
  if (member) member.latest = latestOf(job);
  else members.push({ member: job.member, latest: latestOf(job), lastDone: null, lastDoneResults: {} });
}

/** The oldest queued job (initial, pushed or a retry), handed out before the engine is asked. */
export function oldestQueued(members: MemberRow[]): MemberRow | undefined {
  let oldest: MemberRow | undefined;
  for (const m of members) {
    if (m.latest.status === "queued" && (!oldest || m.latest.jobId < oldest.latest.jobId)) oldest = m;
  }
  return oldest;
}
