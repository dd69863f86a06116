// The worker loop: ask, train, report; wait when the server says so; stop when the experiment is done.
import { resultsRefused, type Experiment, type NextJobOptions } from "./client";
import { LeaseExpiredError } from "./errors";
import type { Job, Results } from "./job";

export interface RunWorkerOptions extends NextJobOptions {
  /** Stop after this many jobs (default: until the experiment is done). */
  maxJobs?: number;
  /** Give up after this many training failures in a row (default 3): likely a bug, not bad luck. */
  maxConsecutiveFailures?: number;
  /** Called after each job, e.g. for a progress line. */
  onJobDone?: (job: Job, outcome: "done" | "failed" | "lease-lost" | "stopped") => void;
  /**
   * Stops the loop: the job in hand is failed at once ("worker stopped") so that it is queued
   * again now rather than when its lease runs out. E.g. abort on SIGTERM.
   */
  signal?: AbortSignal;
}

/**
 * Returns the number of jobs this worker completed. `train` returns the job's results (merged
 * into job.results; the metric NaN completes the job as diverged). A job whose training throws,
 * or whose results cannot be accepted (MetricNotSetError, an ApiError), is marked crashed and
 * counts as a failure.
 */
export async function runWorker(experiment: Experiment, train: (job: Job) => Promise<Results | void>, options: RunWorkerOptions = {}): Promise<number> {
  let completed = 0;
  let failuresInARow = 0;
  const stopped = new Promise<"stopped">((resolve) => {
    if (options.signal?.aborted) resolve("stopped");
    options.signal?.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  for (let taken = 0; options.maxJobs === undefined || taken < options.maxJobs; taken++) {
    if (options.signal?.aborted) break;
    const job = await experiment.nextJob(options);
    if (!job) break;
    job.startHeartbeats();
    let results: Results | void | "stopped";
    try {
      results = await Promise.race([train(job), stopped]);
      if (results === "stopped") {
        await job.fail(new Error(`worker stopped (${String(options.signal?.reason ?? "aborted")})`)).catch(() => {});
        options.onJobDone?.(job, "stopped");
        break;
      }
    } catch (error) {
      await job.fail(error).catch(() => {});
      options.onJobDone?.(job, "failed");
      console.error(`job ${job.id} (member ${job.member}, generation ${job.generation}) failed:`, error);
      if (++failuresInARow >= (options.maxConsecutiveFailures ?? 3)) throw error;
      continue;
    }
    try {
      await job.complete(results ?? {});
      completed++;
      failuresInARow = 0;
      options.onJobDone?.(job, "done");
    } catch (error) {
      if (resultsRefused(error)) {
        // Results that cannot be accepted are a bug in `train` as much as a throw is.
        await job.fail(error).catch(() => {});
        options.onJobDone?.(job, "failed");
        console.error(`job ${job.id} (member ${job.member}, generation ${job.generation}) failed: ${(error as Error).message}`);
        if (++failuresInARow >= (options.maxConsecutiveFailures ?? 3)) throw error;
        continue;
      }
      // The lease was taken over (e.g. this worker was paused too long): the job is being
      // retried elsewhere, so this result is dropped and the loop carries on.
      if (!(error instanceof LeaseExpiredError)) {
        job.stopHeartbeats();
        throw error;
      }
      console.error(`job ${job.id}: ${error.message}`);
      options.onJobDone?.(job, "lease-lost");
    }
  }
  return completed;
}
