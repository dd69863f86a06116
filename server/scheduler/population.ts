// Reads an experiment's population in the shape the pure engine decides on.
import { generationsToRank, type GenerationResult, type MemberState, type PopulationState } from "../pbt/decide";
import type { ExperimentConfig, Hyperparameters, JobStatus } from "../pbt/config";
import { usesPb2 } from "../pbt/explore";
import { PB2_HISTORY, type Pb2Point } from "../pbt/pb2";
import type { JobRow } from "./jobRows";
import type { Tx } from "./deps";

type WalkRow = {
  member: number;
  id: number;
  generation: number;
  attempt: number;
  status: string;
  hyperparameters: Hyperparameters;
  finishedAt: Date | null;
  score: number | null;
  diverged: boolean;
};

/**
 * A member's jobs are created one after another (next generation after a finished one, a retry
 * after a crash, a pushed job after a finished one), so its latest job is the one with the highest
 * id, and a queued job is always its member's latest. Each member's jobs are walked newest first,
 * one step of the (experimentId, member, id) index at a time, until its latest finished job: a
 * step or two for a busy member, so a decision costs the same whether the experiment has finished
 * a hundred jobs or a hundred thousand.
 *
 * The walk is spelled out (a recursive query whose every step is "the member's job before this
 * one") because the plan must not depend on the database's statistics, which PGlite never gathers
 * by itself (server/db/statistics.ts now does) and which can be stale anyway. Asked instead for
 * "the member's latest job with status = 'done'", the planner, short of statistics, took an index
 * on status, or fetched all of the member's jobs and sorted them, once per member: 3 s a decision
 * at 50,000 finished jobs. Each step here has nothing to filter and an index that answers it in
 * order: under every estimate population.test.ts produces (no statistics, stale ones, current
 * ones, a row count a hundred times too high) the planner walks the index.
 */
export async function loadMembers(tx: Tx, experimentId: number, populationSize: number): Promise<MemberState[]> {
  const rows = await tx.query<WalkRow>`
    WITH RECURSIVE walk AS (
      SELECT m.member, j.* FROM generate_series(0, ${populationSize - 1}::int) AS m(member)
      CROSS JOIN LATERAL (
        SELECT id, generation, attempt, status, hyperparameters, "finishedAt", score, diverged FROM "Job"
        WHERE "experimentId" = ${experimentId} AND member = m.member
        ORDER BY id DESC LIMIT 1
      ) AS j
      UNION ALL
      SELECT w.member, j.* FROM walk AS w
      CROSS JOIN LATERAL (
        SELECT id, generation, attempt, status, hyperparameters, "finishedAt", score, diverged FROM "Job"
        WHERE "experimentId" = ${experimentId} AND member = w.member AND id < w.id
        ORDER BY id DESC LIMIT 1
      ) AS j
      WHERE w.status <> 'done'
    )
    SELECT * FROM walk`;
  // Per member, newest first: the latest job that was not pruned, and the finished job the walk stopped at.
  rows.sort((a, b) => a.member - b.member || b.id - a.id);
  const members: MemberState[] = [];
  for (const r of rows) {
    let member = members.at(-1);
    if (r.status === "pruned") continue;
    if (member?.member !== r.member) members.push((member = { member: r.member, latest: latestOf(r), lastDone: null }));
    if (r.status === "done") {
      member.lastDone = { jobId: r.id, generation: r.generation, hyperparameters: r.hyperparameters, score: r.diverged ? null : Number(r.score) };
    }
  }
  return members;
}

/**
 * Everything the engine decides on: the members, and what the config's rules need besides — the
 * results of the generations a sync decision ranks, and the number of jobs for a job budget.
 */
export async function loadPopulation(tx: Tx, experimentId: number, config: ExperimentConfig): Promise<PopulationState> {
  const members = await loadMembers(tx, experimentId, config.populationSize);
  const generations = generationsToRank(members, config);
  const generationResults = generations.length === 0 ? [] : await loadGenerationResults(tx, experimentId, generations);
  const jobsCreated = config.stop.maxJobs === undefined ? undefined : await countJobs(tx, experimentId);
  const pb2History = usesPb2(config) ? await loadPb2History(tx, experimentId, config, generations) : undefined;
  return { config, members, generationResults, jobsCreated, pb2History };
}

type Pb2Row = {
  id: number;
  member: number;
  generation: number;
  hyperparameters: Hyperparameters;
  score: number | null;
  diverged: boolean;
  parentScore: number | null;
  parentDiverged: boolean;
};

/**
 * The history PB2 fits (pb2.ts), bounded whatever the experiment's length: in async mode each
 * member's newest done jobs, PB2_HISTORY in all (a backwards walk of the (experimentId, member, id)
 * index per member, a plan that holds without statistics, as loadMembers'; the engine keeps the
 * deepest PB2_HISTORY of them); in sync
 * mode the whole generations that cover PB2_HISTORY jobs up to the one being ranked, which no
 * worker's timing can change. A forked member's parent lies in the source experiment: its score
 * counts the same.
 */
async function loadPb2History(tx: Tx, experimentId: number, config: ExperimentConfig, generations: number[]): Promise<Pb2Point[]> {
  let rows: Pb2Row[];
  if (config.mode === "sync") {
    if (generations.length === 0) return [];
    const last = Math.max(...generations);
    const first = last - Math.max(1, Math.ceil(PB2_HISTORY / config.populationSize)) + 1;
    rows = await tx.query<Pb2Row>`
      SELECT j.id, j.member, j.generation, j.hyperparameters, j.score, j.diverged, p.score AS "parentScore", p.diverged AS "parentDiverged"
      FROM generate_series(${first}::int, ${last}::int) AS g(generation)
      CROSS JOIN LATERAL (
        SELECT id, member, generation, hyperparameters, score, diverged, "parentId" FROM "Job"
        WHERE "experimentId" = ${experimentId} AND generation = g.generation AND status = 'done'
      ) AS j
      JOIN "Job" p ON p.id = j."parentId"`;
  } else {
    rows = await tx.query<Pb2Row>`
      SELECT j.id, j.member, j.generation, j.hyperparameters, j.score, j.diverged, p.score AS "parentScore", p.diverged AS "parentDiverged"
      FROM generate_series(0, ${config.populationSize - 1}::int) AS m(member)
      CROSS JOIN LATERAL (
        SELECT id, member, generation, hyperparameters, score, diverged, "parentId" FROM "Job"
        WHERE "experimentId" = ${experimentId} AND member = m.member AND status = 'done' AND "parentId" IS NOT NULL
        ORDER BY id DESC LIMIT ${Math.ceil(PB2_HISTORY / config.populationSize)}
      ) AS j
      JOIN "Job" p ON p.id = j."parentId"`;
  }
  return rows.map((r) => ({
    member: r.member,
    jobId: r.id,
    generation: r.generation,
    hyperparameters: r.hyperparameters,
    score: r.diverged ? null : Number(r.score),
    parentScore: r.parentDiverged || r.parentScore === null ? null : Number(r.parentScore),
  }));
}

/**
 * The finished jobs of a few generations. Only the (experimentId, generation) index fits the
 * query: the status is tested here, not in SQL, where an index on status could look cheaper to a
 * planner short of statistics (see loadMembers).
 */
async function loadGenerationResults(tx: Tx, experimentId: number, generations: number[]): Promise<GenerationResult[]> {
  const rows = await tx.query<{
    id: number;
    member: number;
    generation: number;
    status: string;
    hyperparameters: Hyperparameters;
    score: number | null;
    diverged: boolean;
  }>`
    SELECT id, member, generation, status, hyperparameters, score, diverged FROM "Job"
    WHERE "experimentId" = ${experimentId} AND generation = ANY(${generations}::int[])`;
  return rows
    .filter((r) => r.status === "done")
    .map((r) => ({
      member: r.member,
      jobId: r.id,
      generation: r.generation,
      hyperparameters: r.hyperparameters,
      score: r.diverged ? null : Number(r.score),
    }));
}

/**
 * Training jobs created so far for `stop.maxJobs`: every first attempt that was not pruned; retries
 * redo the same job. Kept on the experiment's row (jobRows.ts), as counting them would read the
 * experiment's whole history for every decision.
 */
async function countJobs(tx: Tx, experimentId: number): Promise<number> {
  const rows = await tx.query<{ jobsCreated: number }>`SELECT "jobsCreated" FROM "Experiment" WHERE id = ${experimentId}`;
  return rows[0]!.jobsCreated;
}

type LatestJob = Pick<JobRow, "id" | "member" | "generation" | "attempt" | "status" | "hyperparameters" | "finishedAt">;

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
export function handedOut(population: PopulationState, job: LatestJob & { attempt: number }): void {
  const member = population.members.find((m) => m.member === job.member);
  if (member) member.latest = latestOf(job);
  else population.members.push({ member: job.member, latest: latestOf(job), lastDone: null });
  if (population.jobsCreated !== undefined && job.attempt === 0 && job.id === NEW_JOB) population.jobsCreated++;
}

/** The id a job has in a batch's population before it is written (the engine never reads a running job's id). */
export const NEW_JOB = -1;

/** The oldest queued job (initial, pushed or a retry), handed out before the engine is asked. */
export function oldestQueued(members: MemberState[]): MemberState | undefined {
  let oldest: MemberState | undefined;
  for (const m of members) {
    if (m.latest.status === "queued" && (!oldest || m.latest.jobId < oldest.latest.jobId)) oldest = m;
  }
  return oldest;
}
