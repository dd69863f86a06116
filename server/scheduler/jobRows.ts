// Writing job rows on the driver (server/db/sql.ts). Rows come back in the shape of Prisma's
// `JobRow` (JobRow), so their mapping to the domain's shapes (server/db/rows.ts) is shared with the Prisma reads.
import type { JobRow } from "../db/rows";
import type { Tx } from "./deps";

export type { JobRow };

export interface NewJob {
  experimentId: number;
  member: number;
  generation: number;
  attempt: number;
  status: "queued" | "running";
  hyperparameters: unknown;
  /** The job whose checkpoint this one continues; its results are copied (so `model_path` points at that checkpoint). */
  parentId: number | null;
  origin: string;
  donorJobId: number | null;
  exploitReason: string | null;
  mutations: unknown;
  createdAt: Date;
  /** The lease, for a job handed out as it is created. */
  lease?: { workerId: string; token: string; expiresAt: Date };
}

export async function insertJob(tx: Tx, job: NewJob): Promise<JobRow> {
  return (await insertJobs(tx, [job]))[0]!;
}

/**
 * Inserts the jobs in one statement; returns their rows in the order given. A new job starts from
 * its parent's results, copied in the statement (they can be large: they never travel to Node).
 * First attempts count towards their experiment's `jobsCreated` (the job budget), in the same
 * statement; the caller holds the experiment's lock.
 */
export async function insertJobs(tx: Tx, jobs: NewJob[]): Promise<JobRow[]> {
  if (jobs.length === 0) return [];
  // A member gets at most one new job per statement, which is how rows are matched below.
  const key = (j: Pick<JobRow, "experimentId" | "member">) => `${j.experimentId}/${j.member}`;
  if (new Set(jobs.map(key)).size !== jobs.length) throw new Error("insertJobs: two new jobs for one member in one statement");
  const column = <T>(f: (job: NewJob) => T) => jobs.map(f);
  const started = (job: NewJob) => (job.lease ? job.createdAt.toISOString() : null);
  const rows = await tx.query<JobRow>`
    WITH created AS (
      INSERT INTO "Job" ("experimentId", member, generation, attempt, status, hyperparameters, results, "parentId", origin,
                         "donorJobId", "exploitReason", mutations, "workerId", "leaseToken", "leaseExpiresAt", "heartbeatAt", "startedAt", "createdAt")
      SELECT e, m, g, a, s, h::jsonb, COALESCE((SELECT parent.results FROM "Job" parent WHERE parent.id = n.p), '{}'::jsonb),
             p, o, d, why, mu::jsonb, w, t, x::timestamp, st::timestamp, st::timestamp, c::timestamp
      FROM unnest(
        ${column((j) => j.experimentId)}::int[], ${column((j) => j.member)}::int[], ${column((j) => j.generation)}::int[],
        ${column((j) => j.attempt)}::int[], ${column((j) => j.status)}::text[], ${column((j) => JSON.stringify(j.hyperparameters))}::text[],
        ${column((j) => j.parentId)}::int[], ${column((j) => j.origin)}::text[],
        ${column((j) => j.donorJobId)}::int[], ${column((j) => j.exploitReason)}::text[], ${column((j) => JSON.stringify(j.mutations))}::text[],
        ${column((j) => j.lease?.workerId ?? null)}::text[], ${column((j) => j.lease?.token ?? null)}::text[],
        ${column((j) => j.lease?.expiresAt.toISOString() ?? null)}::text[], ${column(started)}::text[],
        ${column((j) => j.createdAt.toISOString())}::text[]
      ) AS n(e, m, g, a, s, h, p, o, d, why, mu, w, t, x, st, c)
      RETURNING *
    ), counted AS (
      UPDATE "Experiment" e SET "jobsCreated" = e."jobsCreated" + f.count
      FROM (SELECT "experimentId", count(*)::int AS count FROM created WHERE attempt = 0 GROUP BY "experimentId") f
      WHERE e.id = f."experimentId"
    )
    SELECT * FROM created`;
  // RETURNING's order is not promised.
  const byKey = new Map(rows.map((r) => [key(r), r]));
  return jobs.map((j) => byKey.get(key(j))!);
}

/**
 * Prunes the experiment's queued jobs (it is done: nobody will run them) and takes them off its
 * job budget's count. Returns their ids. The caller holds the experiment's lock.
 */
export async function pruneQueued(tx: Tx, experimentId: number): Promise<number[]> {
  const rows = await tx.query<{ id: number }>`
    WITH pruned AS (
      UPDATE "Job" SET status = 'pruned' WHERE "experimentId" = ${experimentId} AND status = 'queued' RETURNING id, attempt
    ), counted AS (
      UPDATE "Experiment" SET "jobsCreated" = "jobsCreated" - (SELECT count(*) FROM pruned WHERE attempt = 0)::int
      WHERE id = ${experimentId}
    )
    SELECT id FROM pruned ORDER BY id`;
  return rows.map((r) => r.id);
}
