// Runs the toy problem against a Lineage server: creates the experiment, pushes the paper's two
// initial members by hand, starts worker processes, and prints the best Q found.
//   tsx examples/toy/run.ts --url http://127.0.0.1:3000 [--grid] [--workers 3] [--seed 1]
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { call, experimentPath } from "./http";
import { INITIAL_H, toyExperiment } from "./problem";

export interface ToyRun {
  name: string;
  bestQ: number;
  jobs: {
    id: number;
    member: number;
    generation: number;
    attempt: number;
    status: string;
    origin: string;
    parentId: number | null;
    score: number | null;
    hyperparameters: Record<string, number>;
    results: Record<string, unknown>;
  }[];
}

export async function runToy(options: { url: string; name: string; pbt: boolean; workers: number; seed?: number; maxGenerations?: number }): Promise<ToyRun> {
  const config = toyExperiment(options.name, { pbt: options.pbt, seed: options.seed, maxGenerations: options.maxGenerations });
  await call(options.url, "POST", "/experiments", config);
  for (const [h0, h1] of INITIAL_H) {
    await call(options.url, "POST", `${experimentPath(options.name)}/jobs`, { hyperparameters: { h0, h1 } });
  }
  return runToyWorkers(options.url, options.name, options.workers);
}

/** Runs `workers` toy worker processes on an existing experiment until it is done; its jobs and best Q. */
export async function runToyWorkers(url: string, name: string, workers: number): Promise<ToyRun> {
  const worker = path.join(import.meta.dirname, "worker.ts");
  const exits = Array.from({ length: workers }, (_, i) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker, "--url", url, "--experiment", name, "--worker-id", `toy-${i}`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    return new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  });
  const codes = await Promise.all(exits);
  if (codes.some((c) => c !== 0)) throw new Error(`a worker failed (exit codes ${codes.join(", ")})`);
  const jobs = await call<ToyRun["jobs"]>(url, "GET", `${experimentPath(name)}/jobs`);
  const bestQ = Math.max(...jobs.filter((j) => j.status === "done").map((j) => j.score ?? -Infinity));
  return { name, bestQ, jobs };
}

const USAGE = `usage: npx tsx examples/toy/run.ts [options]
The PBT paper's toy problem against a running Lineage server (npm start): creates the experiment,
pushes the paper's two initial members, runs worker processes and prints the best Q found.
  --url URL      the server (default: $LINEAGE_URL or http://127.0.0.1:3000)
  --grid         grid search instead of PBT: no exploit, no explore (h stays fixed)
  --workers N    worker processes (default 3)
  --seed N       the experiment's seed (default 1)
  --name NAME    experiment name (default "toy PBT <date>" or "toy grid search <date>")
  -h, --help     this text`;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string", default: process.env.LINEAGE_URL ?? "http://127.0.0.1:3000" },
        grid: { type: "boolean", default: false },
        workers: { type: "string", default: "3" },
        seed: { type: "string", default: "1" },
        name: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  for (const option of ["workers", "seed"] as const) {
    if (!/^\d+$/.test(values[option]!) || (option === "workers" && Number(values[option]) < 1)) {
      console.error(`--${option} must be a ${option === "workers" ? "positive " : ""}whole number, got ${values[option]}\n${USAGE}`);
      process.exit(2);
    }
  }
  const pbt = !values.grid;
  const name = values.name ?? `toy ${pbt ? "PBT" : "grid search"} ${new Date().toISOString()}`;
  const result = await runToy({ url: values.url!, name, pbt, workers: Number(values.workers), seed: Number(values.seed) });
  console.log(`${name}: best Q = ${result.bestQ.toFixed(4)} after ${result.jobs.length} jobs (the optimum is 1.2)`);
}
