// The MNIST example with its checkpoints on the server, run to the end by worker processes
// (examples/mnist/worker.ts without --checkpoint-dir), and what the server kept along the way:
// shared by the integration tests (examples/mnist/checkpoints.test.ts) and bench/checkpoints.ts.
import { spawn } from "node:child_process";
import path from "node:path";
import { Client } from "../../sdk";
import { mnistExperiment } from "./experiment";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface CheckpointRunOptions {
  /** Server URLs; worker i talks to urls[i % urls.length]. */
  urls: string[];
  name: string;
  populationSize: number;
  maxGenerations: number;
  workers: number;
  examplesPerJob: number;
  batchSize: number;
  validationLimit: number;
  /** Counts the checkpoint objects in the store (on disk, or in the bucket), sampled during the run. */
  countStored: () => Promise<number>;
  env?: Record<string, string>;
}

export interface CheckpointRunReport {
  jobs: {
    id: number;
    member: number;
    generation: number;
    status: string;
    parentId: number | null;
    score: number | null;
    results: Record<string, unknown>;
    checkpoint: { size: number; sha256: string; deletedAt: string | null } | null;
  }[];
  /** The most checkpoints stored at once, replayed exactly from the event log (in commit order). */
  peakStored: number;
  /** The most objects seen in the store by sampling it every 50 ms (a lower bound of the true peak on disk). */
  peakSampled: number;
  uploads: number;
  deleted: number;
  seconds: number;
  workerOutput: string;
}

function runWorker(url: string, name: string, id: string, options: CheckpointRunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(ROOT, "examples", "mnist", "worker.ts"),
        "--url",
        url,
        "--experiment",
        name,
        "--worker-id",
        id,
        "--quiet",
        "--examples-per-job",
        String(options.examplesPerJob),
        "--batch-size",
        String(options.batchSize),
        "--log-every",
        String(options.examplesPerJob),
        "--validation-limit",
        String(options.validationLimit),
      ],
      { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`worker ${id} exited with ${code}:\n${output}`))));
  });
}

export async function runMnistOnServerCheckpoints(options: CheckpointRunOptions): Promise<CheckpointRunReport> {
  const client = new Client({ url: options.urls[0] });
  const experiment = await client.createExperiment(
    mnistExperiment({ name: options.name, populationSize: options.populationSize, maxGenerations: options.maxGenerations, seed: 5, leaseSeconds: 60 }),
  );
  const started = Date.now();
  let peakSampled = 0;
  let sampling = true;
  const sampler = (async () => {
    // Files come and go under the sampler's feet: a failed count is skipped, not an error.
    while (sampling) {
      peakSampled = Math.max(peakSampled, await options.countStored().catch(() => 0));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let workerOutput = "";
  try {
    const outputs = await Promise.all(
      Array.from({ length: options.workers }, (_, i) => runWorker(options.urls[i % options.urls.length]!, options.name, `mnist-${i}`, options)),
    );
    workerOutput = outputs.join("\n");
  } finally {
    sampling = false;
    await sampler;
  }
  const seconds = (Date.now() - started) / 1000;

  let stored = 0;
  let peakStored = 0;
  let uploads = 0;
  let deleted = 0;
  for (const event of await experiment.events()) {
    if (event.type === "checkpoint.stored") {
      uploads++;
      if (!event.data.replaced) stored++;
    } else if (event.type === "checkpoints.deleted") {
      stored -= event.data.count;
      deleted += event.data.count;
    }
    peakStored = Math.max(peakStored, stored);
  }
  const jobs = (await experiment.jobs()) as CheckpointRunReport["jobs"];
  return { jobs, peakStored, peakSampled, uploads, deleted, seconds, workerOutput };
}
