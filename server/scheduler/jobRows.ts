// Writing job rows on the driver (server/db/sql.ts). Rows come back in the shape of Prisma's
// `Job`, so the views and the engine's mapping are shared with the Prisma reads.
import type { Job } from "../db/generated/client";
import type { Tx } from "./deps";

export type { Job };

export interface NewJob {
  experimentId: number;
  member: number;
  generation: number;
  attempt: number;
  status: "queued" | "running";
  hyperparameters: unknown;
  results: unknown;
  parentId: number | null;
  origin: string;
  donorJobId: number | null;
  mutations: unknown;
  createdAt: Date;
  /** The lease, for a job handed out as it is created. */
  lease?: { workerId: string; token: string; expiresAt: Date };
}

export async function insertJob(tx: Tx, job: NewJob): Promise<Job> {
  return (await insertJobs(tx, [job]))[0]!;
}

/** Inserts the jobs in one statement; returns their rows in the order given. */
export async function insertJobs(tx: Tx, jobs: NewJob[]): Promise<Job[]> {
  if (jobs.length === 0) return [];
  const column = <T>(f: (job: NewJob) => T) => jobs.map(f);
  const started = (job: NewJob) => (job.lease ? job.createdAt.toISOString() : null);
  const rows = await tx.query<Job>`
    INSERT INTO "Job" ("experimentId", member, generation, attempt, status, hyperparameters, results, "parentId", origin,
                       "donorJobId", mutations, "workerId", "leaseToken", "leaseExpiresAt", "heartbeatAt", "startedAt", "createdAt")
    SELECT e, m, g, a, s, h::jsonb, r::jsonb, p, o, d, mu::jsonb, w, t, x::timestamp, st::timestamp, st::timestamp, c::timestamp
    FROM unnest(
      ${column((j) => j.experimentId)}::int[], ${column((j) => j.member)}::int[], ${column((j) => j.generation)}::int[],
      ${column((j) => j.attempt)}::int[], ${column((j) => j.status)}::text[], ${column((j) => JSON.stringify(j.hyperparameters))}::text[],
      ${column((j) => JSON.stringify(j.results))}::text[], ${column((j) => j.parentId)}::int[], ${column((j) => j.origin)}::text[],
      ${column((j) => j.donorJobId)}::int[], ${column((j) => JSON.stringify(j.mutations))}::text[],
      ${column((j) => j.lease?.workerId ?? null)}::text[], ${column((j) => j.lease?.token ?? null)}::text[],
      ${column((j) => j.lease?.expiresAt.toISOString() ?? null)}::text[], ${column(started)}::text[],
      ${column((j) => j.createdAt.toISOString())}::text[]
    ) AS n(e, m, g, a, s, h, r, p, o, d, mu, w, t, x, st, c)
    RETURNING *`;
  // RETURNING's order is not promised: match rows by their unique (experiment, member, generation, attempt).
  const key = (j: Pick<Job, "experimentId" | "member" | "generation" | "attempt">) => `${j.experimentId}/${j.member}/${j.generation}/${j.attempt}`;
  const byKey = new Map(rows.map((r) => [key(r), r]));
  return jobs.map((j) => byKey.get(key(j))!);
}
