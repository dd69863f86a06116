// A toy-problem worker: asks for jobs over HTTP, trains θ for a few steps with the job's h, and
// reports Q. Its "checkpoint" is θ itself, carried in the job's results (a real worker stores a
// model_path there). Run: tsx examples/toy/worker.ts --url http://127.0.0.1:3000 --experiment NAME
import { parseArgs } from "node:util";
import { call, experimentPath } from "./http";
import { INITIAL_THETA, q, step, type Theta } from "./problem";

type NextJob =
  | {
      status: "job";
      job: { id: number; member: number; generation: number; hyperparameters: Record<string, number>; results: Record<string, unknown> };
      leaseToken: string;
    }
  | { status: "wait"; retryAfterSeconds: number }
  | { status: "done" };

const USAGE = `usage: npx tsx examples/toy/worker.ts --experiment NAME [options]
A worker of the PBT paper's toy problem: asks the server for jobs until the experiment is done.
  --experiment NAME      the experiment to work on (required; examples/toy/run.ts creates one)
  --url URL              the server (default: $LINEAGE_URL or http://127.0.0.1:3000)
  --worker-id ID         how the dashboard names this worker (default toy-<pid>)
  --steps-per-job N      gradient steps per job (default 4)
  --learning-rate X      the steps' learning rate (default 0.02)
  --step-delay-ms N      a pause per step, to watch a run or kill a worker mid-job (default 0)
  -h, --help             this text`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      url: { type: "string", default: process.env.LINEAGE_URL ?? "http://127.0.0.1:3000" },
      experiment: { type: "string" },
      "worker-id": { type: "string", default: `toy-${process.pid}` },
      "steps-per-job": { type: "string", default: "4" },
      "learning-rate": { type: "string", default: "0.02" },
      /** Slows each step down: lets tests kill a worker in the middle of a job. */
      "step-delay-ms": { type: "string", default: "0" },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!args.experiment) {
  console.error(`--experiment is required\n${USAGE}`);
  process.exit(2);
}
const url = args.url!;
const experiment = args.experiment;
const stepsPerJob = Number(args["steps-per-job"]);
const learningRate = Number(args["learning-rate"]);
const stepDelayMs = Number(args["step-delay-ms"]);

let jobs = 0;
for (;;) {
  const answer = await call<NextJob>(url, "POST", `${experimentPath(experiment)}/next-job`, { workerId: args["worker-id"] });
  if (answer.status === "done") break;
  if (answer.status === "wait") {
    await new Promise((r) => setTimeout(r, answer.retryAfterSeconds * 1000));
    continue;
  }
  const { job, leaseToken } = answer;
  let theta = (job.results.theta as Theta | undefined) ?? INITIAL_THETA;
  let stepCount = (job.results.step as number | undefined) ?? 0;
  const h: [number, number] = [job.hyperparameters.h0 ?? 0, job.hyperparameters.h1 ?? 0];
  const points = [];
  for (let i = 0; i < stepsPerJob; i++) {
    theta = step(theta, h, learningRate);
    stepCount++;
    points.push({ step: stepCount, values: { Q: q(theta) } });
    if (stepDelayMs > 0) await new Promise((r) => setTimeout(r, stepDelayMs));
  }
  await call(url, "POST", `/jobs/${job.id}/metrics`, { leaseToken, points });
  await call(url, "POST", `/jobs/${job.id}/complete`, { leaseToken, results: { Q: q(theta), theta, step: stepCount } });
  jobs++;
}
console.log(`worker ${args["worker-id"]}: experiment done after ${jobs} jobs`);
