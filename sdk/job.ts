// A job handed to this worker: its hyperparameters, the results it continues from, and the calls
// that report on it. Heartbeats run in the background while the job is held.
import type { z } from "zod";
import type { jobOutput } from "../server/api/schemas";
import { LeaseExpiredError } from "./errors";
import type { Transport } from "./transport";

export type JobData = z.infer<typeof jobOutput>;
export type Results = Record<string, unknown>;

export class Job {
  readonly id: number;
  readonly member: number;
  readonly generation: number;
  readonly attempt: number;
  readonly hyperparameters: Record<string, unknown>;
  /** What the job continues from (e.g. `model_path`); set your results here or pass them to complete(). */
  readonly results: Results;
  readonly data: JobData;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lostLease: LeaseExpiredError | null = null;
  private finished = false;

  constructor(
    private readonly transport: Transport,
    data: JobData,
    private readonly leaseToken: string,
    private readonly heartbeatSeconds: number,
  ) {
    this.data = data;
    this.id = data.id;
    this.member = data.member;
    this.generation = data.generation;
    this.attempt = data.attempt;
    this.hyperparameters = data.hyperparameters;
    this.results = { ...data.results };
  }

  /** True once the server said the lease is over: the job is being retried elsewhere. */
  get leaseLost(): boolean {
    return this.lostLease !== null;
  }

  /** Reports intermediate metrics (steps count on across a member's generations). */
  async log(step: number, values: Record<string, number>): Promise<void> {
    this.assertHeld();
    await this.call(() => this.transport.api.worker.logMetrics.mutate({ id: this.id, leaseToken: this.leaseToken, points: [{ step, values }] }));
  }

  /** Finishes the job; `results` (merged over `job.results`) must hold the experiment's metric. */
  async complete(results: Results = {}): Promise<JobData> {
    this.assertHeld();
    Object.assign(this.results, results);
    const done = await this.call(() => this.transport.api.worker.complete.mutate({ id: this.id, leaseToken: this.leaseToken, results: this.results as Record<string, never> }));
    this.finish();
    return done as JobData;
  }

  /** Gives up on the job: it is marked crashed with `error` and retried up to the experiment's limit. */
  async fail(error: unknown): Promise<void> {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    try {
      if (!this.lostLease) await this.call(() => this.transport.api.worker.fail.mutate({ id: this.id, leaseToken: this.leaseToken, error: text.slice(0, 20_000) }));
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
