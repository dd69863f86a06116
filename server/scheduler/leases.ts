// A worker's calls on a job carry the lease token it was given. A call without the current,
// unexpired lease changes nothing and is refused with 409.
import { LineageError } from "../api/errors";
import type { Tx } from "./deps";

export interface LeasedJob {
  id: number;
  results?: unknown;
  experimentId: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
}

/** Locks the job row and checks that `leaseToken` holds its live lease. */
export async function lockLeasedJob(tx: Tx, jobId: number, leaseToken: string, now: Date): Promise<LeasedJob> {
  const rows = await tx.$queryRaw<LeasedJob[]>`
    SELECT id, "experimentId", member, generation, attempt, status, "leaseToken", "leaseExpiresAt", results
    FROM "Job" WHERE id = ${jobId} FOR UPDATE`;
  const job = rows[0];
  if (!job) throw new LineageError("job_not_found", `no job with id ${jobId}`);
  assertLease(job, leaseToken, now);
  return job;
}

export function assertLease(job: LeasedJob, leaseToken: string, now: Date): void {
  if (job.leaseToken !== leaseToken) {
    throw new LineageError(
      "lease_invalid",
      `job ${job.id}: the lease token does not match; the job was handed to another worker (or the token is wrong)`,
      [{ field: "leaseToken", message: "not this job's current lease" }],
    );
  }
  if (job.status !== "running") {
    throw new LineageError(
      "lease_invalid",
      `job ${job.id} is ${job.status}; its lease is over and the call changed nothing`,
      [{ field: "leaseToken", message: `job is ${job.status}` }],
    );
  }
  if (job.leaseExpiresAt && new Date(job.leaseExpiresAt).getTime() <= now.getTime()) {
    throw new LineageError(
      "lease_invalid",
      `job ${job.id}: the lease expired at ${new Date(job.leaseExpiresAt).toISOString()}; the job will be retried and this call changed nothing`,
      [{ field: "leaseToken", message: "lease expired" }],
    );
  }
}
