// A worker's calls on a job carry the lease token it was given. A call without the current,
// unexpired lease changes nothing and is refused with 409.
import { LineageError } from "../domain/errors";
import type { Tx } from "./deps";

export interface LeasedJob {
  id: number;
  experimentId: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
}

/** Locks the job row; what is wrong with the call's lease, or null when `leaseToken` holds it. */
export async function lockLease(tx: Tx, jobId: number, leaseToken: string, now: Date): Promise<LineageError | null> {
  const rows = await tx.query<LeasedJob>`
    SELECT id, "experimentId", member, generation, attempt, status, "leaseToken", "leaseExpiresAt" FROM "Job" WHERE id = ${jobId} FOR UPDATE`;
  return leaseError(rows[0], jobId, leaseToken, now);
}

/** The jobs `ids` as far as their leases go, for explaining why calls found no lease. */
export async function readLeases(tx: Tx, ids: number[]): Promise<Map<number, LeasedJob>> {
  const rows = await tx.query<LeasedJob>`
    SELECT id, "experimentId", member, generation, attempt, status, "leaseToken", "leaseExpiresAt" FROM "Job" WHERE id = ANY(${ids}::int[])`;
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Why a call that needed the lease of job `jobId` found none: throws job_not_found or the precise
 * lease_invalid. For the calls that check the lease inside their own write (a conditional update)
 * and so only learn that it failed.
 */
export async function explainMissingLease(tx: Tx, jobId: number, leaseToken: string, now: Date): Promise<never> {
  const job = (await readLeases(tx, [jobId])).get(jobId);
  throw leaseError(job, jobId, leaseToken, now) ?? leaseEnded(jobId);
}

/** A lease that looked valid when read again, though the write that needed it found none. */
export function leaseEnded(jobId: number): LineageError {
  return new LineageError("lease_invalid", `job ${jobId}: the lease ended while this call ran; it changed nothing`, [
    { field: "leaseToken", message: "lease ended" },
  ]);
}

/** What is wrong with a call on `job` carrying `leaseToken`, or null if the lease holds. */
export function leaseError(job: LeasedJob | undefined, jobId: number, leaseToken: string, now: Date): LineageError | null {
  if (!job) return new LineageError("job_not_found", `no job with id ${jobId}`);
  if (job.leaseToken !== leaseToken) {
    return new LineageError("lease_invalid", `job ${job.id}: the lease token does not match; the job was handed to another worker (or the token is wrong)`, [
      { field: "leaseToken", message: "not this job's current lease" },
    ]);
  }
  if (job.status !== "running") {
    return new LineageError("lease_invalid", `job ${job.id} is ${job.status}; its lease is over and the call changed nothing`, [
      { field: "leaseToken", message: `job is ${job.status}` },
    ]);
  }
  if (job.leaseExpiresAt && new Date(job.leaseExpiresAt).getTime() <= now.getTime()) {
    return new LineageError(
      "lease_invalid",
      `job ${job.id}: the lease expired at ${new Date(job.leaseExpiresAt).toISOString()}; the job will be retried and this call changed nothing`,
      [{ field: "leaseToken", message: "lease expired" }],
    );
  }
  return null;
}
