// A crashed job (worker reported failure, or its lease ran out) is queued again, same generation,
// hyperparameters and parent, until the retry limit; then its member is exhausted.
import type { EventLog, LockedExperiment } from "./experimentLock";
import { insertJob, type JobRow } from "./jobRows";
import { logJobCreated } from "./nextJob";
import { settleExperiment } from "./settle";
import type { Tx } from "./deps";
import type { Hyperparameters } from "../pbt/config";

export async function crashJob(
  tx: Tx,
  experiment: LockedExperiment,
  log: EventLog,
  jobId: number,
  reason: "failed" | "lease-expired",
  error: string,
  now: Date,
) {
  const rows = await tx.query<JobRow>`
    UPDATE "Job" SET status = 'crashed', error = ${error}, "finishedAt" = ${now}::timestamp, "leaseToken" = NULL
    WHERE id = ${jobId} RETURNING *`;
  const job = rows[0]!;
  log.add("job.crashed", {
    jobId: job.id,
    member: job.member,
    data: { generation: job.generation, attempt: job.attempt, reason, error: error.slice(0, 2000) },
  });
  const retriesLeft = job.attempt < experiment.config.maxRetries && experiment.status !== "done";
  if (retriesLeft) {
    const retry = await insertJob(tx, {
      experimentId: job.experimentId,
      member: job.member,
      generation: job.generation,
      attempt: job.attempt + 1,
      status: "queued",
      hyperparameters: job.hyperparameters,
      parentId: job.parentId,
      origin: job.origin,
      donorJobId: job.donorJobId,
      exploitReason: job.exploitReason,
      mutations: job.mutations,
      createdAt: now,
    });
    logJobCreated(log, retry, retry.hyperparameters as Hyperparameters);
    return { job, retry };
  }
  // What happens next: with "replace" (and an exploit strategy to copy with) the member rejoins by
  // copying a top donor at its next decision; otherwise it is finished.
  const { failedMembers, exploit } = experiment.config;
  const next = failedMembers === "replace" && exploit.kind !== "none" ? "replace" : "drop";
  log.add("member.exhausted", { jobId: job.id, member: job.member, data: { generation: job.generation, attempts: job.attempt + 1, next } });
  await settleExperiment(tx, experiment, log);
  return { job, retry: null };
}
