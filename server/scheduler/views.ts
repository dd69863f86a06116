// What the APIs show of stored rows. The lease token never leaves except to the worker that
// claimed the job (see nextJob).
import type { Event, Experiment, Job } from "../db/generated/client";
import type { ExperimentConfig, ExperimentStatus, ExploitReason, JobOrigin, JobStatus, Mutation } from "../pbt/config";

type Json = unknown;

export interface JobView {
  id: number;
  experimentId: number;
  member: number;
  generation: number;
  attempt: number;
  status: JobStatus;
  hyperparameters: Record<string, Json>;
  results: Record<string, Json>;
  score: number | null;
  /** The worker reported a non-finite metric (score is null). */
  diverged: boolean;
  parentId: number | null;
  origin: JobOrigin;
  donorJobId: number | null;
  exploitReason: ExploitReason | null;
  mutations: Mutation[];
  workerId: string | null;
  leaseExpiresAt: string | null;
  heartbeatAt: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ExperimentView {
  id: number;
  name: string;
  status: ExperimentStatus;
  config: ExperimentConfig;
  lastEventSeq: number;
  createdAt: string;
  updatedAt: string;
}

export interface EventView {
  experimentId: number;
  seq: number;
  type: string;
  jobId: number | null;
  member: number | null;
  data: Record<string, Json>;
  createdAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    experimentId: job.experimentId,
    member: job.member,
    generation: job.generation,
    attempt: job.attempt,
    status: job.status as JobStatus,
    hyperparameters: job.hyperparameters as Record<string, Json>,
    results: job.results as Record<string, Json>,
    score: job.score,
    diverged: job.diverged,
    parentId: job.parentId,
    origin: job.origin as JobOrigin,
    donorJobId: job.donorJobId,
    exploitReason: job.exploitReason as ExploitReason | null,
    mutations: job.mutations as unknown as Mutation[],
    workerId: job.workerId,
    leaseExpiresAt: iso(job.leaseExpiresAt),
    heartbeatAt: iso(job.heartbeatAt),
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

export function toExperimentView(e: Experiment): ExperimentView {
  return {
    id: e.id,
    name: e.name,
    status: e.status as ExperimentStatus,
    config: e.config as unknown as ExperimentConfig,
    lastEventSeq: e.lastEventSeq,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export function toEventView(e: Event): EventView {
  return {
    experimentId: e.experimentId,
    seq: e.seq,
    type: e.type,
    jobId: e.jobId,
    member: e.member,
    data: e.data as Record<string, Json>,
    createdAt: e.createdAt.toISOString(),
  };
}
