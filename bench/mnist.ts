// The MNIST demo (examples/mnist): PBT against random search with the same number of training
// slices, over several seeds. One server (embedded database, dashboard off); per seed two
// experiments that differ only in exploit/explore, each driven by one worker process
// (examples/mnist/worker.ts) at the same time, so both methods get one core each.
//
//   PBT            = the demo's experiment (examples/mnist/experiment.ts): truncation 0.2, explore
//                    perturbs learning_rate and dropout_rate ×0.8–1.2.
//   random search  = the same experiment with exploit "none" and no explore: every member keeps
//                    training its own weights with the hyperparameters it was initialised with.
//
// With the same seed both draw the same initial hyperparameters (rngFor(seed, "init", member)),
// so each seed is a paired comparison; both run populationSize × maxGenerations jobs of
// `examplesPerJob` examples each. The figure: the best max_accuracy (best validation accuracy
// along a lineage, the experiment's metric) of any job.
//
//   npm run bench:mnist
//   tsx bench/mnist.ts --seeds 1,2,3 --population 8 --generations 15 --examples-per-job 4000
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { mnistExperiment } from "../examples/mnist/experiment";
import type { ExperimentConfigInput } from "../server/pbt/config";
import { startServerProcess } from "../server/testing/serverProcess";
import { createJsonClient, isMain, machine, mean, median, round, table, writeResults } from "./lib";

const ROOT = path.resolve(import.meta.dirname, "..");

export type Method = "pbt" | "random-search";

export interface MnistBenchOptions {
  seeds: number[];
  populationSize: number;
  maxGenerations: number;
  examplesPerJob: number;
  batchSize: number;
  logEvery: number;
  /** Evaluate on the first N validation examples only (smoke test); default all 2,000. */
  validationLimit?: number;
  log?: (line: string) => void;
}

export const FULL_OPTIONS: MnistBenchOptions = {
  seeds: [1, 2, 3],
  populationSize: 8,
  // The demo's sizes (npm run demo): 8 members, 15 generations, 4,000 examples (half an epoch) per job.
  maxGenerations: 15,
  examplesPerJob: 4_000,
  batchSize: 32,
  logEvery: 1_000,
};

export interface MnistRun {
  method: Method;
  seed: number;
  /** Best max_accuracy of any finished job. */
  bestMaxAccuracy: number;
  /** Best max_accuracy in generation 0 (the same hyperparameters for both methods). */
  generation0Best: number;
  /** Best `accuracy` (validation accuracy at the end of the job) in the last generation. */
  finalGenerationBestAccuracy: number;
  /** Training slices (finished jobs) and jobs that crashed and were retried. */
  jobsDone: number;
  jobsCrashed: number;
  exploits: number;
  seconds: number;
}

export interface MnistResults {
  benchmark: "mnist";
  date: string;
  machine: ReturnType<typeof machine>;
  options: Omit<MnistBenchOptions, "log">;
  runs: MnistRun[];
  summary: { method: Method; mean: number; median: number; min: number; max: number; wins: number }[];
  seconds: number;
}

export function mnistConfig(method: Method, name: string, seed: number, opts: MnistBenchOptions): ExperimentConfigInput {
  const pbt = mnistExperiment({ name, seed, populationSize: opts.populationSize, maxGenerations: opts.maxGenerations, leaseSeconds: 300 });
  if (method === "pbt") return pbt;
  // Random search: the same priors (so the same initial draws), nothing copied, nothing explored.
  const hyperparameters = Object.fromEntries(
    Object.entries(pbt.hyperparameters).map(([k, h]) => [k, { init: h.init }]),
  ) as ExperimentConfigInput["hyperparameters"];
  return { ...pbt, exploit: { kind: "none" }, hyperparameters };
}

type JobView = { id: number; member: number; generation: number; status: string; score: number | null; origin: string; results: Record<string, unknown> };

function runWorker(url: string, experiment: string, checkpointDir: string, opts: MnistBenchOptions): Promise<void> {
  const args = [
    "--import",
    "tsx",
    path.join(ROOT, "examples", "mnist", "worker.ts"),
    "--url",
    url,
    "--experiment",
    experiment,
    "--checkpoint-dir",
    checkpointDir,
    "--examples-per-job",
    String(opts.examplesPerJob),
    "--batch-size",
    String(opts.batchSize),
    "--log-every",
    String(opts.logEvery),
    "--quiet",
    ...(opts.validationLimit ? ["--validation-limit", String(opts.validationLimit)] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LINEAGE_URL: url } });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`MNIST worker for ${experiment} exited with ${code}:\n${stderr.slice(-2000)}`))));
  });
}

function summarizeRun(method: Method, seed: number, jobs: JobView[], seconds: number): MnistRun {
  const done = jobs.filter((j) => j.status === "done" && j.score !== null);
  const best = (list: JobView[], key: (j: JobView) => number) => (list.length ? Math.max(...list.map(key)) : NaN);
  const lastGeneration = Math.max(...done.map((j) => j.generation));
  return {
    method,
    seed,
    bestMaxAccuracy: round(
      best(done, (j) => j.score!),
      4,
    ),
    generation0Best: round(
      best(
        done.filter((j) => j.generation === 0),
        (j) => j.score!,
      ),
      4,
    ),
    finalGenerationBestAccuracy: round(
      best(
        done.filter((j) => j.generation === lastGeneration),
        (j) => Number(j.results.accuracy ?? NaN),
      ),
      4,
    ),
    jobsDone: done.length,
    jobsCrashed: jobs.filter((j) => j.status === "crashed").length,
    exploits: jobs.filter((j) => j.origin === "exploit").length,
    seconds: round(seconds, 1),
  };
}

export async function runMnistBench(opts: MnistBenchOptions): Promise<MnistResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = machine();
  const t0 = performance.now();
  const server = await startServerProcess();
  const client = createJsonClient();
  const checkpoints = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-mnist-"));
  const runs: MnistRun[] = [];
  try {
    for (const seed of opts.seeds) {
      const methods: Method[] = ["pbt", "random-search"];
      const results = await Promise.all(
        methods.map(async (method) => {
          const name = `mnist ${method} seed ${seed}`;
          const created = await client.post(`${server.url}/api/v1/experiments`, mnistConfig(method, name, seed, opts));
          if (created.status !== 201 && created.status !== 200) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
          const start = performance.now();
          await runWorker(server.url, name, path.join(checkpoints, `${method}-${seed}`), opts);
          const seconds = (performance.now() - start) / 1000;
          const answer = await fetch(`${server.url}/api/v1/experiments/${encodeURIComponent(name)}/jobs`);
          const jobs = (await answer.json()) as JobView[];
          return summarizeRun(method, seed, jobs, seconds);
        }),
      );
      for (const r of results) {
        log(
          `seed ${seed} ${r.method}: best max_accuracy ${r.bestMaxAccuracy} (generation 0: ${r.generation0Best}), ${r.jobsDone} jobs, ${r.exploits} exploits, ${r.seconds} s`,
        );
        runs.push(r);
      }
    }
  } finally {
    client.close();
    await server.stop();
    rmSync(checkpoints, { recursive: true, force: true });
  }
  const summary = (["pbt", "random-search"] as Method[]).map((method) => {
    const mine = runs.filter((r) => r.method === method);
    const scores = mine.map((r) => r.bestMaxAccuracy);
    const wins = mine.filter((r) => {
      const other = runs.find((o) => o.seed === r.seed && o.method !== method)!;
      return r.bestMaxAccuracy > other.bestMaxAccuracy;
    }).length;
    return {
      method,
      mean: round(mean(scores), 4),
      median: round(median(scores), 4),
      min: round(Math.min(...scores), 4),
      max: round(Math.max(...scores), 4),
      wins,
    };
  });
  return {
    benchmark: "mnist",
    date: new Date().toISOString(),
    machine: started,
    options: { ...opts, log: undefined } as Omit<MnistBenchOptions, "log">,
    runs,
    summary,
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}

export function formatMnistResults(r: MnistResults): string {
  const perSeed = table(
    ["seed", "method", "best max_accuracy", "gen-0 best", "last-gen best accuracy", "jobs", "crashed", "exploits", "seconds"],
    r.runs.map((x) => [
      x.seed,
      x.method,
      x.bestMaxAccuracy.toFixed(4),
      x.generation0Best.toFixed(4),
      x.finalGenerationBestAccuracy.toFixed(4),
      x.jobsDone,
      x.jobsCrashed,
      x.exploits,
      x.seconds,
    ]),
  );
  const summary = table(
    ["method", "mean best", "median", "min", "max", "seeds won"],
    r.summary.map((s) => [s.method, s.mean.toFixed(4), s.median.toFixed(4), s.min.toFixed(4), s.max.toFixed(4), `${s.wins} / ${r.options.seeds.length}`]),
  );
  const o = r.options;
  return [
    `MNIST: population ${o.populationSize}, ${o.maxGenerations} generations, ${o.examplesPerJob} examples per job, ${o.seeds.length} seeds; ${r.seconds} s`,
    perSeed,
    "",
    summary,
  ].join("\n");
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string" },
      population: { type: "string" },
      generations: { type: "string" },
      "examples-per-job": { type: "string" },
    },
  });
  const opts: MnistBenchOptions = { ...FULL_OPTIONS };
  if (values.seeds) opts.seeds = values.seeds.split(",").map(Number);
  if (values.population) opts.populationSize = Number(values.population);
  if (values.generations) opts.maxGenerations = Number(values.generations);
  if (values["examples-per-job"]) opts.examplesPerJob = Number(values["examples-per-job"]);
  const results = await runMnistBench(opts);
  console.log("\n" + formatMnistResults(results));
  const file = writeResults("mnist.json", results);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}
