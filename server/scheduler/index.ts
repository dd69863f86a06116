// The PBT engine applied to the database: one object holding the scheduler's operations.
import { createExperiment, deleteExperiment, getExperiment, listExperiments, setExperimentStatus } from "./experiments";
import { getJob, listEvents, listEventsById, listEventsPage, listJobs, listJobsPage, pushJob, type JobFilter } from "./jobs";
import { completeJob, failJob, heartbeat, logMetrics } from "./jobReports";
import { nextJob } from "./nextJob";
import { exportJobs, getBestSchedule } from "./export";
import { reapExpiredLeases, startReaper } from "./reaper";
import type { SchedulerDeps } from "./deps";
import type { ExperimentStatus, Hyperparameters } from "../pbt/config";

export interface SchedulerOptions {
  /** What a worker is told to wait when there is nothing to hand out right now. */
  retryAfterSeconds: number;
}

export function createScheduler(deps: SchedulerDeps, options: SchedulerOptions) {
  return {
    deps,
    createExperiment: (config: Parameters<typeof createExperiment>[1]) => createExperiment(deps, config),
    getExperiment: (name: string) => getExperiment(deps, name),
    listExperiments: (page: { cursor?: string; limit: number }) => listExperiments(deps, page),
    setExperimentStatus: (name: string, status: ExperimentStatus) => setExperimentStatus(deps, name, status),
    deleteExperiment: (name: string) => deleteExperiment(deps, name),
    listJobs: (name: string, filter?: JobFilter) => listJobs(deps, name, filter),
    listJobsPage: (name: string, options: JobFilter & { cursor?: string; limit: number }) => listJobsPage(deps, name, options),
    getJob: (id: number) => getJob(deps, id),
    listEvents: (name: string, afterSeq: number, limit?: number) => listEvents(deps, name, afterSeq, limit),
    listEventsPage: (name: string, options: { afterSeq?: number; cursor?: string; limit: number }) => listEventsPage(deps, name, options),
    listEventsById: (experimentId: number, afterSeq: number, limit?: number) => listEventsById(deps, experimentId, afterSeq, limit),
    pushJob: (name: string, input: { hyperparameters: Hyperparameters; member?: number }) => pushJob(deps, name, input),
    nextJob: (name: string, workerId: string) => nextJob(deps, name, workerId, options),
    heartbeat: (id: number, leaseToken: string) => heartbeat(deps, id, leaseToken),
    logMetrics: (id: number, leaseToken: string, points: Parameters<typeof logMetrics>[3]) => logMetrics(deps, id, leaseToken, points),
    completeJob: (id: number, leaseToken: string, results: Record<string, unknown>) => completeJob(deps, id, leaseToken, results),
    failJob: (id: number, leaseToken: string, error: string) => failJob(deps, id, leaseToken, error),
    exportJobs: (name: string, format: "csv" | "json") => exportJobs(deps, name, format),
    getBestSchedule: (name: string) => getBestSchedule(deps, name),
    reapExpiredLeases: () => reapExpiredLeases(deps),
    startReaper: (intervalMs: number) => startReaper(deps, intervalMs),
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
