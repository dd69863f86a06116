// Stored rows as the domain's shapes (server/domain): what every read and write answers with.
// Prisma's generated row types and the driver's rows (server/db/sql.ts) have the same columns.
import type { Event as EventRow, Experiment as ExperimentRow, Job as JobRow } from "./generated/client";
import type { ExploitReason, JobOrigin, JobStatus, Mutation } from "../pbt/config";
import type { LineageEvent } from "../domain/event";
import { readStoredConfig, type Experiment } from "../domain/experiment";
import type { Job } from "../domain/job";
import { toIso, toIsoOrNull } from "../domain/json";

export type { EventRow, ExperimentRow, JobRow };

export function toJob(job: JobRow): Job {
  return {
    id: job.id,
    experimentId: job.experimentId,
    member: job.member,
    generation: job.generation,
    attempt: job.attempt,
    status: job.status as JobStatus,
    hyperparameters: job.hyperparameters as Job["hyperparameters"],
    results: job.results as Job["results"],
    score: job.score,
    diverged: job.diverged,
    parentId: job.parentId,
    origin: job.origin as JobOrigin,
    donorJobId: job.donorJobId,
    exploitReason: job.exploitReason as ExploitReason | null,
    mutations: job.mutations as unknown as Mutation[],
    workerId: job.workerId,
    leaseExpiresAt: toIsoOrNull(job.leaseExpiresAt),
    heartbeatAt: toIsoOrNull(job.heartbeatAt),
    error: job.error,
    createdAt: toIso(job.createdAt),
    startedAt: toIsoOrNull(job.startedAt),
    finishedAt: toIsoOrNull(job.finishedAt),
  };
}

export function toExperiment(e: ExperimentRow): Experiment {
  return {
    id: e.id,
    name: e.name,
    status: e.status as Experiment["status"],
    config: readStoredConfig(e.config),
    lastEventSeq: e.lastEventSeq,
    archivedAt: toIsoOrNull(e.archivedAt),
    createdAt: toIso(e.createdAt),
    updatedAt: toIso(e.updatedAt),
  };
}

/** An event row, typed by its `type` column (written by EventLog, which types each payload). */
export function toEvent(e: EventRow): LineageEvent {
  return {
    experimentId: e.experimentId,
    seq: e.seq,
    type: e.type,
    jobId: e.jobId,
    member: e.member,
    data: e.data,
    createdAt: toIso(e.createdAt),
  } as LineageEvent;
}
