// A stand-in for the TypeScript SDK's worker loop (sdk/: `runWorker(experiment, train, { maxJobs })`),
// over the worker HTTP API with fetch only: ask for a job, hand it to `train` with a `log(step,
// values)` method, heartbeat in the background, complete with what `train` returns or fail with
// the error it throws, wait when told to, stop when the experiment is done.
import { call, experimentPath } from "../toy/http";

export interface WorkerJob {
  id: number;
  member: number;
  generation: number;
  hyperparameters: Record<string, unknown>;
  /** What the job continues from: its parent's results (after an exploit, the donor's). */
  results: Record<string, unknown>;
  /** Reports intermediate metrics (steps count on across a member's generations). */
  log(step: number, values: Record<string, number>): Promise<void>;
}

export type TrainFunction = (job: WorkerJob) => Promise<Record<string, unknown>>;

type NextJobAnswer =
  | {
      status: "job";
      job: Omit<WorkerJob, "log">;
      leaseToken: string;
      heartbeatSeconds: number;
    }
  | { status: "wait"; retryAfterSeconds: number }
  | { status: "done" };

export interface RunWorkerOptions {
  url: string;
  experiment: string;
  workerId: string;
  /** Stop after this many jobs (default: until the experiment is done). */
  maxJobs?: number;
}

/** Runs jobs until the experiment is done (or maxJobs); returns how many were trained. */
export async function runWorker(options: RunWorkerOptions, train: TrainFunction): Promise<number> {
  const { url } = options;
  let current: { id: number; leaseToken: string } | null = null;

  // Stopped by the demo (or Ctrl-C): give the job back as failed rather than leaving it running
  // until its lease expires, so it is queued again at once.
  const stop = (signal: string) => {
    const job = current;
    const done = () => process.exit(0);
    if (!job) return done();
    call(url, "POST", `/jobs/${job.id}/fail`, { leaseToken: job.leaseToken, error: `worker ${options.workerId} stopped (${signal})` }).then(done, done);
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));

  let jobs = 0;
  while (options.maxJobs === undefined || jobs < options.maxJobs) {
    const answer = await call<NextJobAnswer>(url, "POST", `${experimentPath(options.experiment)}/next-job`, { workerId: options.workerId });
    if (answer.status === "done") break;
    if (answer.status === "wait") {
      await new Promise((r) => setTimeout(r, answer.retryAfterSeconds * 1000));
      continue;
    }
    const { job, leaseToken } = answer;
    current = { id: job.id, leaseToken };
    const heartbeat = setInterval(
      () => void call(url, "POST", `/jobs/${job.id}/heartbeat`, { leaseToken }).catch((error) => console.error(`heartbeat of job ${job.id}: ${(error as Error).message}`)),
      Math.max(1, answer.heartbeatSeconds / 2) * 1000,
    );
    try {
      const results = await train({
        ...job,
        log: async (step, values) => {
          // The API takes finite numbers only: a diverged run's NaN loss is left out.
          const finite = Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
          await call(url, "POST", `/jobs/${job.id}/metrics`, { leaseToken, points: [{ step, values: finite }] });
        },
      });
      clearInterval(heartbeat);
      await call(url, "POST", `/jobs/${job.id}/complete`, { leaseToken, results });
    } catch (error) {
      clearInterval(heartbeat);
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`job ${job.id} failed: ${message}`);
      await call(url, "POST", `/jobs/${job.id}/fail`, { leaseToken, error: message.slice(0, 4000) });
    }
    current = null;
    jobs++;
  }
  return jobs;
}
