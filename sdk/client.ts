// The TypeScript client: experiments and the worker's calls, in the shape Schedy's users know.
//   const client = new Client();                       // LINEAGE_URL, LINEAGE_TOKEN
//   const experiment = await client.getExperiment("MNIST with PBT");
//   await experiment.withNextJob(async (job) => { ...train...; return { max_accuracy } });
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { z } from "zod";
import type { ExperimentConfigInput } from "../server/pbt/config";
import type { Experiment as ExperimentOfServer } from "../server/domain/experiment";
import type { LineageEvent } from "../server/domain/event";
import type { scheduleExportSchema } from "../server/api/operations/getSchedule";
import { ApiError, LeaseExpiredError, MetricNotSetError } from "./errors";
import { Job, type JobData, type Results } from "./job";
import { allItems, eachItem, type Page } from "./pages";
import { createTransport, type Transport } from "./transport";
import { fetchCheckpoint } from "./checkpoints";

export type ExperimentData = ExperimentOfServer;
export type ScheduleExport = z.infer<typeof scheduleExportSchema>;
export type JobFilter = { member?: number; status?: JobData["status"] };
/** Which experiments a list holds; archived ones are left out unless `archived` says otherwise. */
export type ExperimentFilter = { search?: string; status?: ExperimentData["status"]; archived?: "exclude" | "include" | "only" };

export interface ExportFile {
  contentType: string;
  filename: string;
  body: string;
}
export type EventData = LineageEvent;

export interface ClientOptions {
  /** Server URL; default LINEAGE_URL or http://127.0.0.1:3000. */
  url?: string;
  /** API token; default LINEAGE_TOKEN. */
  token?: string;
  /** Retries of a call that failed to connect or got a 5xx (default LINEAGE_RETRIES or 8, about a minute); 4xx are never retried. */
  retries?: number;
  /** First backoff delay in ms (default 250), doubling up to 8 s. */
  backoffMs?: number;
}

export class Client {
  readonly url: string;
  private readonly transport: Transport;

  constructor(options: ClientOptions = {}) {
    this.url = (options.url ?? process.env.LINEAGE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
    const retries = options.retries ?? (process.env.LINEAGE_RETRIES ? Number(process.env.LINEAGE_RETRIES) : undefined);
    this.transport = createTransport({ ...options, retries, url: this.url, token: options.token ?? process.env.LINEAGE_TOKEN });
  }

  async getExperiment(name: string): Promise<Experiment> {
    const data = await this.transport.call((api) => api.experiments.get.query({ name }));
    return new Experiment(this.transport, data as ExperimentData);
  }

  async createExperiment(config: ExperimentConfigInput): Promise<Experiment> {
    const data = await this.transport.call((api) => api.experiments.create.mutate(config as never));
    return new Experiment(this.transport, data as ExperimentData);
  }

  /**
   * A new experiment that replays `schedule` (an Experiment's `schedule()`, from this server or
   * another): one member per seed follows it from scratch, one step per generation, no exploit.
   */
  async replaySchedule(input: { name: string; schedule: ScheduleExport; seeds?: number; leaseSeconds?: number; maxRetries?: number }): Promise<Experiment> {
    const data = await this.transport.call((api) => api.experiments.replay.mutate(input as never));
    return new Experiment(this.transport, data as ExperimentData);
  }

  /**
   * A new experiment whose population starts from job `jobId`'s checkpoint and hyperparameters,
   * under `config` (its own search space, population, explore): createExperiment with `fork`.
   */
  fork(jobId: number, config: ExperimentConfigInput): Promise<Experiment> {
    return this.createExperiment({ ...config, fork: { jobId } });
  }

  /** Every experiment, newest first (read a page at a time); archived ones only when asked. */
  listExperiments(filter: ExperimentFilter = {}) {
    return allItems(this.experiments(filter));
  }

  /** The experiments, newest first, fetched a page at a time as you iterate. */
  experiments(filter: ExperimentFilter = {}) {
    return eachItem((cursor) => this.transport.call((api) => api.experiments.list.query({ ...filter, cursor })));
  }

  /** Experiments side by side (2 to 8): best score so far against steps, best, final and generation-0 scores. */
  compare(names: string[]) {
    return this.transport.call((api) => api.analysis.compare.query({ experiments: names }));
  }

  listTokens() {
    return this.transport.call((api) => api.tokens.list.query());
  }

  /** The answer's `token` is the only time the token is shown. */
  createToken(input: { name: string; role: "admin" | "worker" | "viewer" }) {
    return this.transport.call((api) => api.tokens.create.mutate(input));
  }

  revokeToken(id: number) {
    return this.transport.call((api) => api.tokens.revoke.mutate({ id }));
  }

  async getJob(id: number) {
    return this.transport.call((api) => api.jobs.get.query({ id }));
  }

  /** Downloads job `id`'s checkpoint to `file` (checked against its SHA-256); returns the path. */
  downloadCheckpoint(id: number, file: string): Promise<string> {
    return this.transport.call(() => fetchCheckpoint(this.url, this.transport.token, `/jobs/${id}/checkpoint`, { to: file }));
  }

  /** Pins a job's checkpoint (garbage collection keeps it), or unpins it. */
  pinCheckpoint(id: number, pinned = true) {
    return this.transport.call((api) => api.checkpoints.pin.mutate({ id, pinned }));
  }
}

export interface NextJobOptions {
  /** Sent to the server to show who holds the job; default host name and process id. */
  workerId?: string;
  /** Called while the server says there is nothing to do right now. */
  onWait?: (seconds: number, reason: string) => void;
}

export class Experiment {
  readonly name: string;

  constructor(
    private readonly transport: Transport,
    readonly data: ExperimentData,
  ) {
    this.name = data.name;
  }

  /**
   * The next job, waiting as long as the server says to while every member is busy; null once the
   * experiment is done. Call `job.startHeartbeats()` (or use withNextJob / runWorker).
   */
  async nextJob(options: NextJobOptions = {}): Promise<Job | null> {
    const workerId = options.workerId ?? defaultWorkerId();
    for (;;) {
      const answer = await this.transport.call((api) => api.worker.nextJob.mutate({ name: this.name, workerId }));
      if (answer.status === "done") return null;
      if (answer.status === "job") {
        const metric = (this.data.config as { metric?: string }).metric ?? null;
        return new Job(this.transport, answer.job as JobData, answer.leaseToken, answer.heartbeatSeconds, metric);
      }
      options.onWait?.(answer.retryAfterSeconds, answer.reason);
      await new Promise((r) => setTimeout(r, answer.retryAfterSeconds * 1000));
    }
  }

  /**
   * Takes the next job, runs `train` with heartbeats in the background, completes the job with
   * what `train` returns (merged into job.results; the metric NaN completes it as diverged), or
   * marks it crashed with the error text and rethrows. Results that cannot be accepted (the
   * metric not set by this job: MetricNotSetError; refused by the server: ApiError) mark it
   * crashed too. Resolves to null when the experiment is done.
   */
  async withNextJob(train: (job: Job) => Promise<Results | void>, options: NextJobOptions = {}): Promise<JobData | null> {
    const job = await this.nextJob(options);
    if (!job) return null;
    job.startHeartbeats();
    let results: Results | void;
    try {
      results = await train(job);
    } catch (error) {
      await job.fail(error).catch(() => {});
      throw error;
    }
    try {
      return await job.complete(results ?? {});
    } catch (error) {
      if (resultsRefused(error)) await job.fail(error).catch(() => {});
      else job.stopHeartbeats();
      throw error;
    }
  }

  /** Pushes a job by hand: a new member, or (with `member`) the next generation of a finished one. */
  addJob(input: { hyperparameters?: Record<string, unknown>; member?: number } = {}) {
    return this.transport.call((api) =>
      api.jobs.push.mutate({ name: this.name, hyperparameters: (input.hyperparameters ?? {}) as Record<string, never>, member: input.member }),
    );
  }

  /** The experiment's jobs, oldest first (read a page at a time; see eachJob for big experiments). */
  jobs(filter: JobFilter = {}) {
    return allItems(this.eachJob(filter));
  }

  /** The experiment's jobs, oldest first, fetched a page at a time as you iterate. */
  eachJob(filter: JobFilter = {}): AsyncGenerator<JobData> {
    return eachItem((cursor) => this.transport.call((api) => api.jobs.list.query({ name: this.name, ...filter, cursor })) as Promise<Page<JobData>>);
  }

  /** The events after `afterSeq`, oldest first (read a page at a time). */
  events(afterSeq = 0) {
    return allItems(eachItem((cursor) => this.transport.call((api) => api.experiments.events.query({ name: this.name, afterSeq, cursor }))));
  }

  refresh() {
    return this.transport.call((api) => api.experiments.get.query({ name: this.name }));
  }

  setStatus(status: "running" | "paused" | "done") {
    return this.transport.call((api) => api.experiments.setStatus.mutate({ name: this.name, status }));
  }

  pause() {
    return this.setStatus("paused");
  }

  resume() {
    return this.setStatus("running");
  }

  stop() {
    return this.setStatus("done");
  }

  /** The best schedule, or with `jobId` the schedule that led to that job (what replaySchedule reads). */
  schedule(jobId?: number): Promise<ScheduleExport> {
    return this.transport.call((api) => api.experiments.schedule.query({ name: this.name, jobId }));
  }

  /** Raises the stopping rule (at least one of the two); a done experiment runs again from where each member stands. */
  extend(stop: { maxGenerations?: number; maxJobs?: number }) {
    return this.transport.call((api) => api.experiments.extend.mutate({ name: this.name, ...stop }));
  }

  /** Hides the experiment from lists (unless asked for); `unarchive` brings it back. */
  archive() {
    return this.transport.call((api) => api.experiments.archive.mutate({ name: this.name, archived: true }));
  }

  unarchive() {
    return this.transport.call((api) => api.experiments.archive.mutate({ name: this.name, archived: false }));
  }

  /** The finished jobs against their hyperparameters, and each hyperparameter's importance (optionally of some generations only). */
  analysis(options: { fromGeneration?: number; toGeneration?: number; maxJobs?: number } = {}) {
    return this.transport.call((api) => api.analysis.experiment.query({ name: this.name, ...options }));
  }

  /** Every job as a CSV or JSON file, read into memory; `exportTo` streams it instead. */
  async export(format: "csv" | "json"): Promise<ExportFile> {
    const response = await this.download(format);
    return { contentType: response.headers.get("content-type") ?? "", filename: filenameOf(response), body: await response.text() };
  }

  /** Streams every job as a CSV or JSON file into `out` (a file, stdout), as the server sends it. */
  async exportTo(format: "csv" | "json", out: NodeJS.WritableStream): Promise<void> {
    const response = await this.download(format);
    if (!response.body) return;
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), out, { end: false });
  }

  /** What the experiment's checkpoints take on the server, what garbage collection freed, and the best job's. */
  checkpointUsage() {
    return this.transport.call((api) => api.checkpoints.usage.query({ name: this.name }));
  }

  /** Downloads the best job's checkpoint (the model PBT found) to `file`; returns the path. */
  downloadBestCheckpoint(file: string): Promise<string> {
    return this.transport.call(() =>
      fetchCheckpoint(this.transport.url, this.transport.token, `/experiments/${encodeURIComponent(this.name)}/best-checkpoint`, { to: file }),
    );
  }

  private download(format: "csv" | "json") {
    return this.transport.download(`/experiments/${encodeURIComponent(this.name)}/export?format=${format}`);
  }
}

/** The file name the server suggests (Content-Disposition's filename*, else filename). */
function filenameOf(response: Response): string {
  const disposition = response.headers.get("content-disposition") ?? "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (encoded) return decodeURIComponent(encoded);
  return /filename="([^"]*)"/i.exec(disposition)?.[1] ?? "export";
}

/** The job's results cannot be accepted: it would otherwise sit leased until its lease ran out. */
export function resultsRefused(error: unknown): boolean {
  return error instanceof MetricNotSetError || (error instanceof ApiError && !(error instanceof LeaseExpiredError));
}

function defaultWorkerId(): string {
  return `${process.env.HOSTNAME ?? "worker"}-${process.pid}`;
}
