// The scheduler: the PBT engine (server/pbt) applied to the database. One object, created once per
// server process with its dependencies; every change to an experiment goes through it, under the
// experiment's row lock and its event log (experimentLock.ts). Reads live apart (server/reads).
import type { Experiment } from "../domain/experiment";
import type { Job } from "../domain/job";
import type { ExperimentConfig, ExperimentStatus, Hyperparameters } from "../pbt/config";
import { toJob } from "../db/rows";
import { archiveExperiment, createExperiment, deleteExperiment, setExperimentStatus } from "./experiments";
import { extendExperiment, type Extension } from "./extend";
import { replaySchedule } from "./replay";
import type { ReplayRequest } from "../pbt/replay";
import { fail, finish, heartbeat, MetricPointWriter, type MetricPointInput } from "./jobReports";
import { handOut, type NextJobAnswer } from "./nextJob";
import { pushJob } from "./pushJob";
import { reapExpiredLeases, startReaper } from "./reaper";
import { WriteBatcher } from "./writeBatcher";
import type { Readable } from "node:stream";
import { deleteExperimentCheckpoints, pinForkSource, setCheckpointPinned, sweepOrphans, uploadCheckpoint } from "./checkpoints";
import { CheckpointCollector } from "./collector";
import type { SchedulerDeps } from "./deps";

export interface SchedulerOptions {
  /** What a worker is told to wait when there is nothing to hand out right now. */
  retryAfterSeconds: number;
  /** Largest checkpoint a worker may upload, in bytes. */
  maxCheckpointBytes: number;
}

export class Scheduler {
  /** Workers' calls on one experiment share transactions (writeBatcher.ts). */
  private readonly writes: WriteBatcher;
  /** Metric points of every job share statements. */
  private readonly metricPoints: MetricPointWriter;
  /** Checkpoint garbage collection, run after jobs finish (collector.ts). */
  private readonly collector: CheckpointCollector;

  constructor(
    readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.writes = new WriteBatcher(deps);
    this.metricPoints = new MetricPointWriter(deps);
    this.collector = new CheckpointCollector(deps);
  }

  // --- experiments ---------------------------------------------------------------------------

  /** A fork pins its source checkpoint first, so that its members can load it (checkpoints.ts). */
  async createExperiment(config: Omit<ExperimentConfig, "seed"> & { seed?: number }): Promise<Experiment> {
    if (!config.fork) return createExperiment(this.deps, config);
    const unpin = await pinForkSource(this.deps, config.fork.jobId);
    try {
      return await createExperiment(this.deps, config);
    } catch (error) {
      await unpin();
      throw error;
    }
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

  archiveExperiment(name: string, archived: boolean): Promise<Experiment> {
    return archiveExperiment(this.deps, name, archived);
  }

  /** Deletes the experiment, then everything its jobs stored (checkpoints.ts). */
  async deleteExperiment(name: string): Promise<{ deleted: true }> {
    const { id } = await deleteExperiment(this.deps, name);
    await deleteExperimentCheckpoints(this.deps, id).catch((error: unknown) => {
      // No row names them any more: the start-up sweep deletes them.
      console.error(`could not delete the checkpoints of experiment ${id} (swept at the next start):`, error);
    });
    return { deleted: true };
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
    this.collector.request(job.experimentId);
    return toJob(job);
  }

  /** The worker gave up on the job: it is marked crashed and retried up to the limit (jobReports.ts's fail). */
  async failJob(jobId: number, leaseToken: string, error: string): Promise<Job> {
    const job = await this.writes.byJob(jobId, fail, { jobId, leaseToken, error });
    this.writes.forgetJob(jobId);
    this.collector.request(job.experimentId);
    return toJob(job);
  }

  // --- checkpoints -----------------------------------------------------------------------------

  /** Stores the job's checkpoint while `leaseToken` holds its lease (checkpoints.ts). */
  async uploadCheckpoint(jobId: number, leaseToken: string, body: Readable, sha256?: string): Promise<Job> {
    return toJob(await uploadCheckpoint(this.deps, jobId, leaseToken, body, { maxBytes: this.options.maxCheckpointBytes, sha256 }));
  }

  async setCheckpointPinned(jobId: number, pinned: boolean): Promise<Job> {
    const job = await setCheckpointPinned(this.deps, jobId, pinned);
    if (!pinned) this.collector.request(job.experimentId);
    return toJob(job);
  }

  /** Garbage collection of the experiment's checkpoints, now (it also runs after every finished job). */
  collectCheckpoints(experimentId: number): Promise<void> {
    this.collector.request(experimentId);
    return this.collector.settled();
  }

  /** Resolves once the collections requested so far have run. */
  checkpointsSettled(): Promise<void> {
    return this.collector.settled();
  }

  /** Deletes stored objects no job names that are older than `olderThan` (checkpoints.ts's sweepOrphans). */
  sweepOrphanCheckpoints(olderThan: Date): Promise<number> {
    return sweepOrphans(this.deps, olderThan);
  }

  // --- leases ----------------------------------------------------------------------------------

  reapExpiredLeases(): Promise<number> {
    return reapExpiredLeases(this.deps);
  }

  startReaper(intervalMs: number): () => Promise<void> {
    return startReaper(this.deps, intervalMs);
  }
}
