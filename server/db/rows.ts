// Stored rows as the domain's shapes (server/domain): what every read and write answers with.
// Prisma's generated row types and the driver's rows (server/db/sql.ts) have the same columns.
import type { Event as EventRow, Experiment as ExperimentRow, Job as JobRow } from "./generated/client";
import type { ExploitReason, JobOrigin, JobStatus, Mutation } from "../pbt/config";
import type { LineageEvent } from "../domain/event";
import { readStoredConfig, type Experiment } from "../domain/experiment";
import type { Checkpoint } from "../domain/checkpoint";
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
    checkpoint: checkpointOf(job),
  };
}

/** The job's checkpoint as the APIs show it (size and checksum stay after garbage collection deletes it). */
export function checkpointOf(
  job: Pick<JobRow, "checkpointSize" | "checkpointSha256" | "checkpointUploadedAt" | "checkpointPinned" | "checkpointDeletedAt">,
): Checkpoint | null {
  if (job.checkpointSha256 === null || job.checkpointSize === null || job.checkpointUploadedAt === null) return null;
  return {
    // bigint from Prisma, a number from the driver (server/db/sql.ts).
    size: Number(job.checkpointSize),
    sha256: job.checkpointSha256,
    uploadedAt: toIso(job.checkpointUploadedAt),
    pinned: job.checkpointPinned,
    deletedAt: toIsoOrNull(job.checkpointDeletedAt),
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
