// A job handed to this worker: its hyperparameters, the results it continues from, and the calls
// that report on it. Heartbeats run in the background while the job is held.
import type { Job as JobOfServer } from "../server/domain/job";
import { LeaseExpiredError, MetricNotSetError } from "./errors";
import type { Transport } from "./transport";
import { fetchCheckpoint, putCheckpoint } from "./checkpoints";

export type JobData = JobOfServer;
export type Results = Record<string, unknown>;

/**
 * `value` with every NaN / ±Infinity written as "NaN" / "Infinity" / "-Infinity", the server's
 * convention for non-finite numbers (JSON has none; JSON.stringify would write null).
 */
export function toWire(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

export class Job {
  readonly id: number;
  readonly member: number;
  readonly generation: number;
  readonly attempt: number;
  readonly hyperparameters: Record<string, unknown>;
  /** "initial", "manual", "continue" or "exploit". */
  readonly origin: JobData["origin"];
  /** The job whose checkpoint this one continues from (after an exploit, the donor's). */
  readonly parentId: number | null;
  /** After an exploit: the job copied, why, and what explore changed. */
  readonly donorJobId: number | null;
  readonly exploitReason: JobData["exploitReason"];
  readonly mutations: JobData["mutations"];
  /**
   * What the job continues from (its parent's results, e.g. `model_path`; after an exploit the
   * donor's, score included), and what you set. Writes are tracked: completing sends only the
   * keys this job set (or changed in place), and refuses while the metric is only inherited.
   */
  readonly results: Results;
  readonly data: JobData;
  /** The experiment's metric: the result key this job must set (null if unknown). */
  readonly metric: string | null;
  private readonly written = new Set<string>();
  private readonly inherited: Results;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lostLease: LeaseExpiredError | null = null;
  private finished = false;
  private finishedAsDiverged = false;

  constructor(
    private readonly transport: Transport,
    data: JobData,
    private readonly leaseToken: string,
    private readonly heartbeatSeconds: number,
    metric: string | null = null,
  ) {
    this.data = data;
    this.id = data.id;
    this.member = data.member;
    this.generation = data.generation;
    this.attempt = data.attempt;
    this.hyperparameters = data.hyperparameters;
    this.origin = data.origin;
    this.parentId = data.parentId;
    this.donorJobId = data.donorJobId;
    this.exploitReason = data.exploitReason ?? null;
    this.mutations = data.mutations;
    this.metric = metric;
    this.inherited = structuredClone(data.results) as Results;
    const written = this.written;
    this.results = new Proxy({ ...data.results } as Results, {
      set(target, key, value) {
        if (typeof key === "string") written.add(key);
        return Reflect.set(target, key, value);
      },
      defineProperty(target, key, descriptor) {
        if (typeof key === "string") written.add(key);
        return Reflect.defineProperty(target, key, descriptor);
      },
      deleteProperty(target, key) {
        if (typeof key === "string") written.delete(key);
        return Reflect.deleteProperty(target, key);
      },
    });
  }

  /** True once the server said the lease is over: the job is being retried elsewhere. */
  get leaseLost(): boolean {
    return this.lostLease !== null;
  }

  /** True once this job was completed as diverged (a non-finite metric). */
  get diverged(): boolean {
    return this.finishedAsDiverged;
  }

  /**
   * The results this job produced: the keys written to `job.results` (even with a value equal to
   * the inherited one), plus any whose value differs from what the job started with.
   */
  ownResults(): Results {
    return Object.fromEntries(
      Object.entries(this.results).filter(
        ([key, value]) => this.written.has(key) || !Object.hasOwn(this.inherited, key) || JSON.stringify(value) !== JSON.stringify(this.inherited[key]),
      ),
    );
  }

  /**
   * The error completing with `own` results would meet because the metric is not among them
   * (null when it is, or when the metric is unknown). `fix` says how to set it.
   */
  metricNotSet(
    own: Results,
    fix = `set job.results[${JSON.stringify(this.metric)}] (or return it) with the score this job reached, or call job.completeDiverged() if training diverged`,
  ): MetricNotSetError | null {
    const metric = this.metric;
    if (!metric || Object.hasOwn(own, metric)) return null;
    const inherited = Object.hasOwn(this.results, metric);
    let what = `its results have no ${JSON.stringify(metric)}`;
    if (inherited) {
      const source =
        this.origin === "exploit" && this.donorJobId !== null && this.donorJobId !== this.parentId
          ? `its parent job ${this.parentId} (this exploit's donor is job ${this.donorJobId})`
          : this.origin === "exploit"
            ? `job ${this.parentId}, the donor this exploit copied (parentId ${this.parentId})`
            : this.parentId !== null
              ? `its parent job ${this.parentId}`
              : "the results the job started with";
      what = `${metric} = ${JSON.stringify(this.results[metric])} is inherited from ${source}, not this job's score`;
    }
    return new MetricNotSetError(
      `job ${this.id} (member ${this.member}, generation ${this.generation}) cannot complete without its own ${JSON.stringify(metric)}: ${what}. To fix it, ${fix}; nothing was sent.`,
      metric,
      this.id,
      inherited ? this.parentId : null,
    );
  }

  /**
   * Reports intermediate metrics (steps count on across a member's generations). NaN and
   * ±Infinity (a diverging loss) are recorded as "NaN", "Infinity", "-Infinity".
   */
  async log(step: number, values: Record<string, number>): Promise<void> {
    this.assertHeld();
    const wire = toWire(values) as Record<string, number | "NaN" | "Infinity" | "-Infinity">;
    await this.call(() => this.transport.api.worker.logMetrics.mutate({ id: this.id, leaseToken: this.leaseToken, points: [{ step, values: wire }] }));
  }

  /**
   * Finishes the job with the results it set (`results` is merged into `job.results` first); the
   * server keeps the inherited keys this job did not set. The metric must be set by this job: a
   * number, or NaN / ±Infinity when training diverged (the job is then done and marked
   * diverged, and PBT replaces it). Throws MetricNotSetError, before any call and with the job
   * still leased, when the metric is missing or only inherited.
   */
  async complete(results: Results = {}): Promise<JobData> {
    this.assertHeld();
    Object.assign(this.results, results);
    const own = this.ownResults();
    const notSet = this.metricNotSet(own);
    if (notSet) throw notSet;
    const wire = toWire(own) as Record<string, never>;
    const done = await this.call(() => this.transport.api.worker.complete.mutate({ id: this.id, leaseToken: this.leaseToken, results: wire }));
    this.finishedAsDiverged = (done as JobData).diverged ?? false;
    this.finish();
    return done as JobData;
  }

  /**
   * Finishes the job as diverged (training blew up): the metric is sent as "NaN", the job ranks
   * below every finite score and PBT replaces the member at its next job (a failed job would be
   * retried with the same hyperparameters). The same as completing with the metric NaN.
   */
  async completeDiverged(results: Results = {}): Promise<JobData> {
    if (!this.metric) throw new Error(`job ${this.id}: the experiment's metric is unknown`);
    return this.complete({ ...results, [this.metric]: Number.NaN });
  }

  /**
   * Uploads the file at `file` as this job's checkpoint (streamed, with its SHA-256, which the
   * server checks; uploading again replaces it). Call it before completing the job: the jobs that
   * continue from this one (and, after an exploit, other members' jobs) load it with
   * loadCheckpoint(). The server keeps it while a later job may need it.
   */
  async saveCheckpoint(file: string): Promise<NonNullable<JobData["checkpoint"]>> {
    this.assertHeld();
    const job = (await this.call(() => putCheckpoint(this.transport.url, this.transport.token, this.id, this.leaseToken, file))) as JobData;
    return job.checkpoint!;
  }

  /**
   * The checkpoint this job continues from (its parent's; after an exploit, the donor's), as a
   * local file: downloaded into a cache (LINEAGE_CACHE_DIR, else ~/.cache/lineage/checkpoints)
   * and checked against its SHA-256. null for a first generation, which starts from scratch.
   */
  async loadCheckpoint(options: { cacheDir?: string } = {}): Promise<string | null> {
    if (this.parentId === null) return null;
    const parentId = this.parentId;
    const parent = await this.transport.call((api) => api.jobs.get.query({ id: parentId }));
    const stored = parent.checkpoint && parent.checkpoint.deletedAt === null ? parent.checkpoint.sha256 : undefined;
    // Without a stored checkpoint the server answers why (none uploaded, or deleted), as an ApiError.
    return this.transport.call(() =>
      fetchCheckpoint(this.transport.url, this.transport.token, `/jobs/${this.id}/parent-checkpoint`, { cacheDir: options.cacheDir, expectedSha256: stored }),
    );
  }

  /** Gives up on the job: it is marked crashed with `error` and retried up to the experiment's limit. */
  async fail(error: unknown): Promise<void> {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    try {
      if (!this.lostLease)
        await this.call(() => this.transport.api.worker.fail.mutate({ id: this.id, leaseToken: this.leaseToken, error: text.slice(0, 20_000) }));
    } finally {
      this.finish();
    }
  }

  /** Starts sending heartbeats every `heartbeatSeconds` (withNextJob and runWorker do this for you). */
  startHeartbeats(): void {
    if (this.heartbeat || this.finished) return;
    this.heartbeat = setInterval(() => {
      this.transport.api.worker.heartbeat.mutate({ id: this.id, leaseToken: this.leaseToken }).catch((error: unknown) => {
        const code = (error as { data?: { lineage?: { code?: string } } }).data?.lineage?.code;
        if (code === "lease_invalid" || code === "job_not_found") {
          this.lostLease = new LeaseExpiredError(`job ${this.id}: ${(error as Error).message}`);
          this.stopHeartbeats();
        }
        // Anything else (a network blip) is retried by the next beat; the lease outlasts three beats.
      });
    }, this.heartbeatSeconds * 1000);
    this.heartbeat.unref?.();
  }

  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private finish() {
    this.finished = true;
    this.stopHeartbeats();
  }

  private assertHeld() {
    if (this.lostLease) throw this.lostLease;
    if (this.finished) throw new Error(`job ${this.id} is already finished`);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.transport.call(fn);
    } catch (error) {
      if (error instanceof LeaseExpiredError) {
        this.lostLease = error;
        this.finish();
      }
      throw error;
    }
  }
}
