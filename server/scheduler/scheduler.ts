// The scheduler: the PBT engine (server/pbt) applied to the database. One object, created once per
// server process with its dependencies; every change to an experiment goes through it, under the
// experiment's row lock and its event log (experimentLock.ts). Reads live apart (server/reads).
import type { Experiment } from "../domain/experiment";
import type { Job } from "../domain/job";
import type { ExperimentConfig, ExperimentStatus, Hyperparameters } from "../pbt/config";
import { toJob } from "../db/rows";
import { createExperiment, deleteExperiment, setExperimentStatus } from "./experiments";
import { extendExperiment, type Extension } from "./extend";
import { replaySchedule } from "./replay";
import type { ReplayRequest } from "../pbt/replay";
import { fail, finish, heartbeat, MetricPointWriter, type MetricPointInput } from "./jobReports";
import { handOut, type NextJobAnswer } from "./nextJob";
import { pushJob } from "./pushJob";
import { reapExpiredLeases, startReaper } from "./reaper";
import { WriteBatcher } from "./writeBatcher";
import type { SchedulerDeps } from "./deps";

export interface SchedulerOptions {
  /** What a worker is told to wait when there is nothing to hand out right now. */
  retryAfterSeconds: number;
}

export class Scheduler {
  /** Workers' calls on one experiment share transactions (writeBatcher.ts). */
  private readonly writes: WriteBatcher;
  /** Metric points of every job share statements. */
  private readonly metricPoints: MetricPointWriter;

  constructor(
    readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.writes = new WriteBatcher(deps);
    this.metricPoints = new MetricPointWriter(deps);
  }

  // --- experiments ---------------------------------------------------------------------------

  createExperiment(config: Omit<ExperimentConfig, "seed"> & { seed?: number }): Promise<Experiment> {
    return createExperiment(this.deps, config);
  }

  setExperimentStatus(name: string, status: ExperimentStatus): Promise<Experiment> {
    return setExperimentStatus(this.deps, name, status);
  }

  /** A new experiment that follows an exported schedule (replay.ts). */
  replaySchedule(request: ReplayRequest): Promise<Experiment> {
    return replaySchedule(this.deps, request);
  }

  /** Raises the stopping rule; a done experiment runs again (extend.ts). */
  extendExperiment(name: string, extension: Extension): Promise<Experiment> {
    return extendExperiment(this.deps, name, extension);
  }

  deleteExperiment(name: string): Promise<{ deleted: true }> {
    return deleteExperiment(this.deps, name);
  }

  pushJob(name: string, input: { hyperparameters: Hyperparameters; member?: number }): Promise<Job> {
    return pushJob(this.deps, name, input);
  }

  // --- the worker's calls ----------------------------------------------------------------------

  /** The next job for a worker, or wait, or done (DESIGN.md §1, Scheduling): decided in nextJob.ts's handOut. */
  async nextJob(experimentName: string, workerId: string): Promise<NextJobAnswer> {
    const answer = await this.writes.byName(experimentName, handOut, { workerId, options: this.options });
    if (answer.status === "job") this.writes.rememberJob(answer.job.id, answer.job.experimentId);
    return answer;
  }

  /** Extends the lease by the experiment's lease length from now. */
  heartbeat(jobId: number, leaseToken: string) {
    return heartbeat(this.deps, jobId, leaseToken);
  }

  logMetrics(jobId: number, leaseToken: string, points: MetricPointInput[]): Promise<{ stored: number }> {
    return this.metricPoints.log(jobId, leaseToken, points);
  }

  /** Finishes a job with what it produced (jobReports.ts's finish). */
  async completeJob(jobId: number, leaseToken: string, results: Record<string, unknown>): Promise<Job> {
    const job = await this.writes.byJob(jobId, finish, { jobId, leaseToken, results });
    this.writes.forgetJob(jobId);
    return toJob(job);
  }

  /** The worker gave up on the job: it is marked crashed and retried up to the limit (jobReports.ts's fail). */
  async failJob(jobId: number, leaseToken: string, error: string): Promise<Job> {
    const job = await this.writes.byJob(jobId, fail, { jobId, leaseToken, error });
    this.writes.forgetJob(jobId);
    return toJob(job);
  }

  // --- leases ----------------------------------------------------------------------------------

  reapExpiredLeases(): Promise<number> {
    return reapExpiredLeases(this.deps);
  }

  startReaper(intervalMs: number): () => Promise<void> {
    return startReaper(this.deps, intervalMs);
  }
}
