// What a worker reports on the job it holds: heartbeats, metric points, completion, failure.
import { fieldError, LineageError } from "../api/errors";
import { crashJob } from "./crash";
import { withExperiment } from "./experimentLock";
import { lockLeasedJob, type LeasedJob, assertLease } from "./leases";
import { settleExperiment } from "./settle";
import { toJobView, type JobView } from "./views";
import type { SchedulerDeps } from "./deps";
import type { ExperimentStatus } from "../pbt/config";

export interface MetricPointInput {
  step: number;
  values: Record<string, number>;
}

/** Extends the lease by the experiment's lease length from now. */
export async function heartbeat(
  deps: SchedulerDeps,
  jobId: number,
  leaseToken: string,
): Promise<{ leaseExpiresAt: string; experimentStatus: ExperimentStatus }> {
  const now = deps.now();
  const job = await deps.prisma.job.findUnique({
    where: { id: jobId },
    select: {
      id: true, experimentId: true, member: true, generation: true, attempt: true, status: true,
      leaseToken: true, leaseExpiresAt: true,
      experiment: { select: { config: true, status: true } },
    },
  });
  if (!job) throw new LineageError("job_not_found", `no job with id ${jobId}`);
  assertLease(job as LeasedJob, leaseToken, now);
  const leaseSeconds = (job.experiment.config as { leaseSeconds: number }).leaseSeconds;
  const leaseExpiresAt = new Date(now.getTime() + leaseSeconds * 1000);
  // Conditional update: if the reaper took the job between the read and here, nothing changes.
  const updated = await deps.prisma.job.updateMany({
    where: { id: jobId, leaseToken, status: "running", leaseExpiresAt: { gt: now } },
    data: { leaseExpiresAt, heartbeatAt: now },
  });
  if (updated.count === 0) {
    throw new LineageError("lease_invalid", `job ${jobId}: the lease ended while extending it; this call changed nothing`, [
      { field: "leaseToken", message: "lease ended" },
    ]);
  }
  deps.bus.publish({ type: "heartbeat", experimentId: job.experimentId, jobId, member: job.member, at: now.toISOString() });
  return { leaseExpiresAt: leaseExpiresAt.toISOString(), experimentStatus: job.experiment.status as ExperimentStatus };
}

/** Stores intermediate metric points of a running job (steps count on across a member's generations). */
export async function logMetrics(
  deps: SchedulerDeps,
  jobId: number,
  leaseToken: string,
  points: MetricPointInput[],
): Promise<{ stored: number }> {
  const now = deps.now();
  // One statement: the points are stored only while the lease holds (checked in the same
  // statement, so the reaper cannot take the job in between).
  const values = points.map((p) => JSON.stringify(p.values));
  const steps = points.map((p) => p.step);
  const stored = await deps.prisma.$queryRaw<{ experimentId: number; member: number }[]>`
    WITH leased AS (
      SELECT "experimentId", member FROM "Job"
      WHERE id = ${jobId} AND "leaseToken" = ${leaseToken} AND status = 'running' AND "leaseExpiresAt" > ${now.toISOString()}::timestamp
    ), inserted AS (
      INSERT INTO "MetricPoint" ("experimentId", "jobId", member, step, "values", "createdAt")
      SELECT leased."experimentId", ${jobId}, leased.member, p.step, p.values::jsonb, ${now.toISOString()}::timestamp
      FROM leased, unnest(${steps}::int[], ${values}::text[]) AS p(step, values)
      RETURNING 1
    )
    SELECT "experimentId", member FROM leased`;
  const job = stored[0];
  if (!job) {
    // Say why: no such job, or a lease that is not (or no longer) this one.
    const row = await deps.prisma.job.findUnique({
      where: { id: jobId },
      select: { id: true, experimentId: true, member: true, generation: true, attempt: true, status: true, leaseToken: true, leaseExpiresAt: true },
    });
    if (!row) throw new LineageError("job_not_found", `no job with id ${jobId}`);
    assertLease(row, leaseToken, now);
    throw new LineageError("lease_invalid", `job ${jobId}: the lease ended; this call changed nothing`);
  }
  deps.bus.publish({ type: "metrics", experimentId: job.experimentId, jobId, member: job.member, points });
  return { stored: points.length };
}

/**
 * Finishes a job. `results` must hold the experiment's metric as a finite number; it is merged
 * over the results the job started with, so keys the worker does not mention carry forward.
 */
export async function completeJob(
  deps: SchedulerDeps,
  jobId: number,
  leaseToken: string,
  results: Record<string, unknown>,
): Promise<JobView> {
  return withExperiment(deps, { jobId }, async (tx, experiment, log, now) => {
    const leased = await lockLeasedJob(tx, jobId, leaseToken, now);
    const metric = experiment.config.metric;
    const score = results[metric];
    if (typeof score !== "number" || !Number.isFinite(score)) {
      throw fieldError(
        "invalid_metric",
        `results.${metric}`,
        score === undefined
          ? `missing: results must contain the experiment's metric "${metric}"`
          : `must be a finite number, got ${JSON.stringify(score) ?? String(score)}`,
        "finite number",
      );
    }
    const job = await tx.job.update({
      where: { id: jobId },
      data: {
        status: "done",
        results: { ...(leased.results as object), ...results } as object,
        score,
        finishedAt: now,
        leaseToken: null,
      },
    });
    log.add("job.finished", {
      jobId,
      member: job.member,
      data: { generation: job.generation, attempt: job.attempt, score, [metric]: score },
    });
    // Only a member's last generation can finish the experiment.
    if (job.generation >= experiment.config.stop.maxGenerations - 1) await settleExperiment(tx, experiment, log);
    return toJobView(job);
  });
}

/** The worker gave up on the job: it is marked crashed with the error, and retried if allowed. */
export async function failJob(deps: SchedulerDeps, jobId: number, leaseToken: string, error: string): Promise<JobView> {
  return withExperiment(deps, { jobId }, async (tx, experiment, log, now) => {
    await lockLeasedJob(tx, jobId, leaseToken, now);
    const { job } = await crashJob(tx, experiment, log, jobId, "failed", error, now);
    return toJobView(job);
  });
}
