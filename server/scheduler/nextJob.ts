// nextJob: what a worker asking for work gets (DESIGN.md §1, Scheduling), decided under the
// experiment's lock in a batch with the other calls waiting for it (writeBatcher.ts).
import { randomBytes } from "node:crypto";
import { decideNext, type Decision } from "../pbt/decide";
import type { ExploitReason, Hyperparameters, JobOrigin, JobStatus } from "../pbt/config";
import type { EventLog, LockedExperiment } from "./experimentLock";
import type { BatchHandler } from "./writeBatcher";
import { insertJobs, type JobRow, type NewJob } from "./jobRows";
import type { PopulationState } from "../pbt/decide";
import { handedOut, loadPopulation, NEW_JOB, oldestQueued } from "./population";
import { markDone } from "./settle";
import { toJob } from "../db/rows";
import type { Job } from "../domain/job";
import type { Tx } from "./deps";

export type NextJobAnswer =
  | { status: "job"; job: Job; leaseToken: string; leaseExpiresAt: string; heartbeatSeconds: number }
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

export interface NextJobCall {
  workerId: string;
  options: NextJobOptions;
}

type Lease = { workerId: string; token: string; expiresAt: Date };

/** What one call gets, decided before anything is written. */
type Plan =
  | { kind: "answer"; answer: NextJobAnswer }
  /** The engine found the experiment done: it is marked so, and the call answered "done". */
  | { kind: "finish"; reason: string }
  | { kind: "claim"; jobId: number; lease: Lease }
  | { kind: "create"; job: NewJob; lease: Lease; decision: Extract<Decision, { kind: "new-member" | "next-generation" }> };

/** Next-job calls of a batch: decided one after another on one population read, then written together. */
export const handOut: BatchHandler<NextJobCall, NextJobAnswer> = {
  phase: 1,
  async write({ tx, experiment, log, now }, calls) {
    // Read after the experiment's lock is held and the batch's reports are written.
    const population = await loadPopulation(tx, experiment.id, experiment.config);
    const plans: Exclude<Plan, { kind: "finish" }>[] = [];
    let finished: string | null = null;
    for (const call of calls) {
      const plan = planOne(experiment, population, call, now);
      if (plan.kind === "finish") finished ??= plan.reason;
      plans.push(plan.kind === "finish" ? { kind: "answer", answer: { status: "done" } } : plan);
    }

    const claimed = await claimQueued(
      tx,
      plans.flatMap((p) => (p.kind === "claim" ? [p] : [])),
      now,
    );
    const creates = plans.flatMap((p) => (p.kind === "create" ? [p] : []));
    const created = new Map(
      (
        await insertJobs(
          tx,
          creates.map((p) => p.job),
        )
      ).map((job, i) => [creates[i]!, job]),
    );
    // After the claims: marking the experiment done prunes the jobs still queued.
    if (finished !== null) await markDone(tx, experiment, log, finished);

    // Events in the order of the calls.
    const heartbeat = heartbeatSeconds(experiment.config.leaseSeconds);
    return plans.map((plan): { value: NextJobAnswer } => {
      if (plan.kind === "answer") return { value: plan.answer };
      const job = plan.kind === "claim" ? claimed.get(plan.jobId)! : created.get(plan)!;
      if (plan.kind === "create") logCreated(log, job, plan.decision);
      log.add("job.started", { jobId: job.id, member: job.member, data: { generation: job.generation, attempt: job.attempt, workerId: plan.lease.workerId } });
      return {
        value: {
          status: "job",
          job: toJob(job),
          leaseToken: plan.lease.token,
          leaseExpiresAt: plan.lease.expiresAt.toISOString(),
          heartbeatSeconds: heartbeat,
        },
      };
    });
  },
};

/** Decides one call on the population as the batch's earlier calls left it (and updates it). */
function planOne(experiment: LockedExperiment, population: PopulationState, call: NextJobCall, now: Date): Plan {
  const wait = (reason: "paused" | "busy" | "sync-barrier"): Plan => ({
    kind: "answer",
    answer: { status: "wait", retryAfterSeconds: call.options.retryAfterSeconds, reason },
  });
  if (experiment.status === "done") return { kind: "answer", answer: { status: "done" } };
  if (experiment.status === "paused") return wait("paused");
  const lease = { workerId: call.workerId, token: newLeaseToken(), expiresAt: new Date(now.getTime() + experiment.config.leaseSeconds * 1000) };

  // 1. A queued job (pushed by hand, or a retry): the oldest one.
  const queued = oldestQueued(population.members);
  if (queued) {
    queued.latest = { ...queued.latest, status: "running" };
    return { kind: "claim", jobId: queued.latest.jobId, lease };
  }

  // 2.–5. Ask the engine.
  const decision = decideNext(population);
  switch (decision.kind) {
    case "new-member":
    case "next-generation": {
      const isNew = decision.kind === "new-member";
      const job = {
        experimentId: experiment.id,
        member: decision.member,
        generation: decision.generation,
        attempt: 0,
        status: "running" as const,
        hyperparameters: decision.hyperparameters,
        parentId: decision.parentJobId,
        origin: decision.origin,
        donorJobId: isNew ? null : (decision.donor?.jobId ?? null),
        exploitReason: isNew ? null : decision.reason,
        mutations: decision.mutations,
        lease,
        createdAt: now,
      };
      // Not written yet (the batch's jobs are inserted together).
      handedOut(population, { ...job, id: NEW_JOB, finishedAt: null });
      return { kind: "create", job, lease, decision };
    }
    case "done":
      return { kind: "finish", reason: decision.reason };
    case "wait":
      return wait(decision.reason);
  }
}

/** Hands the planned queued jobs to their workers, in one statement. */
async function claimQueued(tx: Tx, claims: { jobId: number; lease: Lease }[], now: Date): Promise<Map<number, JobRow>> {
  if (claims.length === 0) return new Map();
  const rows = await tx.query<JobRow>`
    UPDATE "Job" j SET status = 'running', "workerId" = c.worker, "leaseToken" = c.token, "leaseExpiresAt" = c.expires::timestamp,
      "heartbeatAt" = ${now}::timestamp, "startedAt" = ${now}::timestamp
    FROM unnest(${claims.map((c) => c.jobId)}::int[], ${claims.map((c) => c.lease.workerId)}::text[],
                ${claims.map((c) => c.lease.token)}::text[], ${claims.map((c) => c.lease.expiresAt.toISOString())}::text[]) AS c(id, worker, token, expires)
    WHERE j.id = c.id AND j.status = 'queued'
    RETURNING j.*`;
  // The experiment is locked, so a queued job the population showed is still queued.
  if (rows.length !== claims.length) throw new Error(`claimed ${rows.length} of ${claims.length} queued jobs under the experiment's lock`);
  return new Map(rows.map((r) => [r.id, r]));
}

function logCreated(log: EventLog, job: JobRow, decision: Extract<Decision, { kind: "new-member" | "next-generation" }>) {
  logJobCreated(log, job, decision.hyperparameters);
  if (decision.kind === "next-generation" && decision.donor) {
    log.add("exploit", {
      jobId: job.id,
      member: job.member,
      data: {
        generation: job.generation,
        donorMember: decision.donor.member,
        donorJobId: decision.donor.jobId,
        donorGeneration: decision.donor.generation,
        // The engine gives every exploit its reason.
        reason: decision.reason!,
      },
    });
  }
  if (decision.mutations.length > 0) {
    log.add("explore", { jobId: job.id, member: job.member, data: { generation: job.generation, mutations: decision.mutations } });
  }
}

export function logJobCreated(
  log: EventLog,
  job: Pick<JobRow, "id" | "member" | "generation" | "attempt" | "origin" | "parentId" | "donorJobId" | "exploitReason" | "status">,
  hyperparameters: Hyperparameters,
) {
  log.add("job.created", {
    jobId: job.id,
    member: job.member,
    data: {
      generation: job.generation,
      attempt: job.attempt,
      origin: job.origin as JobOrigin,
      parentId: job.parentId,
      donorJobId: job.donorJobId,
      exploitReason: job.exploitReason as ExploitReason | null,
      status: job.status as JobStatus,
      hyperparameters,
    },
  });
}
