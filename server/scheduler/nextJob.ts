// nextJob: what a worker asking for work gets (DESIGN.md §1, Scheduling), decided in one
// transaction under the experiment's lock.
import { randomBytes } from "node:crypto";
import { decideNext, type Decision } from "../pbt/decide";
import type { Hyperparameters } from "../pbt/config";
import { withExperiment, type EventLog, type LockedExperiment } from "./experimentLock";
import { loadPopulation } from "./population";
import { markDone } from "./settle";
import { toJobView, type JobView } from "./views";
import type { SchedulerDeps, Tx } from "./deps";

export type NextJobAnswer =
  | { status: "job"; job: JobView; leaseToken: string; leaseExpiresAt: string; heartbeatSeconds: number }
  | { status: "wait"; retryAfterSeconds: number; reason: "paused" | "busy" | "sync-barrier" }
  | { status: "done" };

export interface NextJobOptions {
  /** What a worker is told to wait when there is nothing to do right now. */
  retryAfterSeconds: number;
}

export function newLeaseToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Heartbeats come three times per lease, so one lost heartbeat does not cost the job. */
export function heartbeatSeconds(leaseSeconds: number): number {
  return Math.max(1, Math.floor(leaseSeconds / 3));
}

export async function nextJob(
  deps: SchedulerDeps,
  experimentName: string,
  workerId: string,
  options: NextJobOptions,
): Promise<NextJobAnswer> {
  return withExperiment(deps, { name: experimentName }, async (tx, experiment, log, now) => {
    if (experiment.status === "done") return { status: "done" };
    if (experiment.status === "paused") {
      return { status: "wait", retryAfterSeconds: options.retryAfterSeconds, reason: "paused" };
    }
    const lease = { workerId, token: newLeaseToken(), expiresAt: new Date(now.getTime() + experiment.config.leaseSeconds * 1000) };
    const answer = (jobRow: Parameters<typeof toJobView>[0]): NextJobAnswer => ({
      status: "job",
      job: toJobView(jobRow),
      leaseToken: lease.token,
      leaseExpiresAt: lease.expiresAt.toISOString(),
      heartbeatSeconds: heartbeatSeconds(experiment.config.leaseSeconds),
    });

    // 1. A queued job (initial, manual or a retry): the oldest one. Read in its own statement,
    // after the experiment's lock is held, so it sees every claim committed before.
    const queued = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM "Job" WHERE "experimentId" = ${experiment.id} AND status = 'queued'
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
    if (queued[0]) {
      const job = await tx.job.update({
        where: { id: queued[0].id },
        data: {
          status: "running",
          workerId: lease.workerId,
          leaseToken: lease.token,
          leaseExpiresAt: lease.expiresAt,
          heartbeatAt: now,
          startedAt: now,
        },
      });
      log.add("job.started", { jobId: job.id, member: job.member, data: { generation: job.generation, attempt: job.attempt, workerId } });
      return answer(job);
    }

    // 2.–5. Ask the engine.
    const members = await loadPopulation(tx, experiment.id, experiment.config.populationSize);
    const decision = decideNext({ config: experiment.config, members });
    switch (decision.kind) {
      case "new-member":
      case "next-generation": {
        // The new job starts from its parent's results, so `model_path` points at the checkpoint it continues.
        const parentResults = decision.kind === "new-member" ? {} : members.find((m) => m.lastDone?.jobId === decision.parentJobId)?.lastDoneResults;
        const job = await createRunningJob(tx, experiment, log, decision, parentResults ?? {}, lease, now);
        return answer(job);
      }
      case "done":
        await markDone(tx, experiment, log, "every member reached the stopping rule");
        return { status: "done" };
      case "wait":
        return { status: "wait", retryAfterSeconds: options.retryAfterSeconds, reason: decision.reason };
    }
  });
}

async function createRunningJob(
  tx: Tx,
  experiment: LockedExperiment,
  log: EventLog,
  decision: Extract<Decision, { kind: "new-member" | "next-generation" }>,
  parentResults: unknown,
  lease: { workerId: string; token: string; expiresAt: Date },
  now: Date,
) {
  const isNew = decision.kind === "new-member";
  const job = await tx.job.create({
    data: {
      experimentId: experiment.id,
      member: decision.member,
      generation: isNew ? 0 : decision.generation,
      attempt: 0,
      status: "running",
      hyperparameters: decision.hyperparameters as object,
      results: parentResults as object,
      parentId: isNew ? null : decision.parentJobId,
      origin: isNew ? "initial" : decision.origin,
      donorJobId: isNew ? null : (decision.donor?.jobId ?? null),
      mutations: (isNew ? [] : decision.mutations) as object[],
      workerId: lease.workerId,
      leaseToken: lease.token,
      leaseExpiresAt: lease.expiresAt,
      heartbeatAt: now,
      startedAt: now,
      createdAt: now,
    },
  });
  logJobCreated(log, job, decision.hyperparameters);
  if (!isNew && decision.donor) {
    log.add("exploit", {
      jobId: job.id,
      member: job.member,
      data: { generation: job.generation, donorMember: decision.donor.member, donorJobId: decision.donor.jobId },
    });
  }
  if (!isNew && decision.mutations.length > 0) {
    log.add("explore", { jobId: job.id, member: job.member, data: { generation: job.generation, mutations: decision.mutations } });
  }
  log.add("job.started", { jobId: job.id, member: job.member, data: { generation: job.generation, attempt: 0, workerId: lease.workerId } });
  return job;
}

export function logJobCreated(
  log: EventLog,
  job: { id: number; member: number; generation: number; attempt: number; origin: string; parentId: number | null; status: string },
  hyperparameters: Hyperparameters,
) {
  log.add("job.created", {
    jobId: job.id,
    member: job.member,
    data: {
      generation: job.generation,
      attempt: job.attempt,
      origin: job.origin,
      parentId: job.parentId,
      status: job.status,
      hyperparameters,
    },
  });
}
