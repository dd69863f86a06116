// `npm run demo`: MNIST with PBT on this machine, in one command. Starts the Lineage server (the
// embedded database, as `npm start` does), creates the experiment (examples/mnist/experiment.ts),
// runs worker processes (examples/mnist/worker.ts), prints the dashboard's address and a progress
// line until the experiment is done or Ctrl-C, then stops the workers and prints the best accuracy
// of generation 0 against the final best. Once the run is done its server keeps serving the
// dashboard, so there is something to look at, until Ctrl-C (or, with --exit-when-done, stops too).
//
//   npm run demo [-- --workers 2 --population 8 --generations 15 --examples-per-job 4000]
//   npm run demo -- --no-server --url http://127.0.0.1:3000     (against a running server)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { mnistExperiment, DEFAULT_EXPERIMENT_NAME } from "../examples/mnist/experiment";
import { defaultCheckpointDir } from "../examples/mnist/worker";

const ROOT = path.resolve(import.meta.dirname, "..");
const USAGE = `usage: npm run demo -- [options]
  --workers N            worker processes (default: the number of cores, at most 4: ${Math.min(4, os.availableParallelism())})
  --population N         population size (default 8)
  --generations N        generations per member (default 15)
  --examples-per-job N   training examples per job (default 4000; the training set has 8000)
  --batch-size N         mini-batch size (default 32)
  --log-every N          log a metric point every N examples (default 1000)
  --seed N               the experiment's seed (default 2017)
  --name NAME            experiment name (default "${DEFAULT_EXPERIMENT_NAME}"; a suffix is added if it exists)
  --checkpoint-dir DIR   where workers save weights (default .lineage/checkpoints/<experiment>)
  --progress-seconds N   how often to print progress (default 5)
  --verbose              print a line per finished job
  --exit-when-done       stop the demo's server and exit when the run is done (by default the
                         server keeps serving the dashboard until Ctrl-C)
  --no-server --url URL  use a running Lineage server instead of starting one (the demo then
                         exits when the run is done; the server keeps running)
  -h, --help             this text
Environment: PORT and HOST (where the demo's server listens), LINEAGE_TOKEN (an API token, for a
server that requires one; the workers read it too once they run on the TypeScript SDK).`;

type ExperimentView = { name: string; status: "running" | "paused" | "done"; config: { populationSize: number; stop: { maxGenerations: number } } };
type JobView = {
  id: number;
  member: number;
  generation: number;
  status: string;
  score: number | null;
  hyperparameters: Record<string, unknown>;
  results: Record<string, unknown>;
};

function parse() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        workers: { type: "string", default: String(Math.min(4, os.availableParallelism())) },
        population: { type: "string", default: "8" },
        generations: { type: "string", default: "15" },
        "examples-per-job": { type: "string", default: "4000" },
        "batch-size": { type: "string", default: "32" },
        "log-every": { type: "string", default: "1000" },
        seed: { type: "string", default: "2017" },
        name: { type: "string", default: DEFAULT_EXPERIMENT_NAME },
        "checkpoint-dir": { type: "string" },
        "progress-seconds": { type: "string", default: "5" },
        verbose: { type: "boolean", default: false },
        "exit-when-done": { type: "boolean", default: false },
        "no-server": { type: "boolean", default: false },
        url: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: keyof typeof parsed, min: number) => {
    const value = Number(parsed[name]);
    if (!Number.isInteger(value) || value < min) {
      console.error(`--${name} must be an integer of at least ${min}, got ${String(parsed[name])}`);
      process.exit(2);
    }
    return value;
  };
  if (parsed["no-server"] && !parsed.url) {
    console.error("--no-server needs --url (the running server's address, e.g. http://127.0.0.1:3000)");
    process.exit(2);
  }
  if (parsed.url && !parsed["no-server"]) {
    console.error("--url is for a server that is already running: add --no-server (without it the demo starts its own server on PORT)");
    process.exit(2);
  }
  const progressSeconds = Number(parsed["progress-seconds"]);
  if (!(progressSeconds > 0)) {
    console.error(`--progress-seconds must be a positive number, got ${parsed["progress-seconds"]}`);
    process.exit(2);
  }
  return {
    workers: int("workers", 1),
    population: int("population", 1),
    generations: int("generations", 1),
    examplesPerJob: int("examples-per-job", 1),
    batchSize: int("batch-size", 1),
    logEvery: int("log-every", 1),
    seed: int("seed", 0),
    name: parsed.name!,
    checkpointDir: parsed["checkpoint-dir"],
    progressSeconds,
    verbose: parsed.verbose!,
    exitWhenDone: parsed["exit-when-done"]!,
    noServer: parsed["no-server"]!,
    url: parsed.url?.replace(/\/+$/, ""),
  };
}

const options = parse();
const children: { name: string; child: ChildProcess; exited: Promise<number | null> }[] = [];

function track(name: string, child: ChildProcess) {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
  children.push({ name, child, exited });
  return exited;
}

// Last resort (an exception, a second Ctrl-C): nothing the demo started outlives it.
process.on("exit", () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

async function api<T>(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}/api/v1${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(process.env.LINEAGE_TOKEN ? { authorization: `Bearer ${process.env.LINEAGE_TOKEN}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

const experimentRoute = (name: string) => `/experiments/${encodeURIComponent(name)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsed = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

async function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function isLineage(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok && ((await response.json()) as { ok?: boolean }).ok === true;
  } catch {
    return false;
  }
}

/** Starts server/main.ts as `npm start` does; returns its URL once /api/v1/health answers. */
async function startServer(): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (!(await portIsFree(port, host))) {
    const lineage = await isLineage(url);
    console.error(
      lineage
        ? `Port ${port} on ${host} is already in use by a Lineage server.\n` +
            `  To run the demo against it:          npm run demo -- --no-server --url ${url}\n` +
            `  To start another server on a free port: PORT=${port + 1} npm run demo`
        : `Port ${port} on ${host} is already in use by another program.\n` +
            `  Stop it, or start the demo's server on a free port: PORT=${port + 1} npm run demo`,
    );
    process.exit(1);
  }
  const build = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "ensure-build.ts")], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) {
    console.error("Building the dashboard failed (see above).");
    process.exit(1);
  }
  // Its own process group: Ctrl-C reaches the demo only, which stops workers first, then the server.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server", "main.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: host },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = track("server", child);
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = "";
    stream.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) console.log(`[server] ${line}`);
    });
  }
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 180_000;
  while (!(await isLineage(url))) {
    if (exitCode !== undefined) {
      console.error(`The server exited (code ${exitCode}) before answering on ${url}.`);
      process.exit(1);
    }
    if (Date.now() > deadline) {
      console.error(`The server did not answer on ${url}/api/v1/health within 3 minutes.`);
      await stopChild("server", child, exited);
      process.exit(1);
    }
    await sleep(250);
  }
  return { url, child, exited };
}

async function stopChild(name: string, child: ChildProcess, exited: Promise<number | null>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    console.error(`${name} did not stop within ${graceMs / 1000} s: killing it`);
    child.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Creates the experiment; if the name is taken, tries "<name> 2", "<name> 3", … */
async function createExperiment(url: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const name = n === 1 ? options.name : `${options.name} ${n}`;
    const existing = await api(url, "GET", experimentRoute(name));
    if (existing.status === 200) continue;
    const config = mnistExperiment({ name, populationSize: options.population, maxGenerations: options.generations, seed: options.seed });
    const created = await api<{ error?: { code: string; message: string } }>(url, "POST", "/experiments", config);
    if (created.status === 201 || created.status === 200) return name;
    if (created.status === 409) continue; // created meanwhile by someone else
    throw new Error(`creating the experiment failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  throw new Error(`no free experiment name after "${options.name} 999"`);
}

interface Summary {
  jobsDone: number;
  running: number;
  crashed: number;
  generationsDone: number;
  generation0Best: number | null;
  best: JobView | null;
}

function summarize(jobs: JobView[], populationSize: number, maxGenerations: number): Summary {
  const done = jobs.filter((j) => j.status === "done" && j.score !== null);
  const best = done.reduce<JobView | null>((a, j) => (a === null || j.score! > a.score! ? j : a), null);
  const generation0 = done.filter((j) => j.generation === 0);
  const furthest = new Map<number, number>();
  for (const j of done) furthest.set(j.member, Math.max(furthest.get(j.member) ?? 0, j.generation + 1));
  // The depth every member's lineage has reached (a copy jumps with its donor, so the number of
  // jobs is no measure of progress).
  const generationsDone = furthest.size < populationSize ? 0 : Math.min(maxGenerations, ...furthest.values());
  return {
    jobsDone: done.length,
    running: jobs.filter((j) => j.status === "running").length,
    crashed: jobs.filter((j) => j.status === "crashed").length,
    generationsDone,
    generation0Best: generation0.length ? Math.max(...generation0.map((j) => j.score!)) : null,
    best,
  };
}

const fmt = (x: number | null | undefined) => (typeof x === "number" ? x.toFixed(4) : "–");

async function main() {
  let started = Date.now();
  let url: string;
  let server: { url: string; child: ChildProcess; exited: Promise<number | null> } | null = null;
  if (options.noServer) {
    url = options.url!;
    if (!(await isLineage(url))) {
      console.error(`No Lineage server answers on ${url}/api/v1/health.`);
      process.exit(1);
    }
  } else {
    console.log("Starting the Lineage server…");
    server = await startServer();
    url = server.url;
  }

  const name = await createExperiment(url);
  const checkpointDir = path.resolve(options.checkpointDir ?? defaultCheckpointDir(name));
  console.log(`Experiment "${name}": population ${options.population}, ${options.generations} generations of ${options.examplesPerJob} examples each.`);
  console.log(`Dashboard: ${url}/experiments/${encodeURIComponent(name)}`);
  console.log(`Checkpoints: ${checkpointDir}`);
  console.log(`Starting ${options.workers} worker${options.workers === 1 ? "" : "s"}. Ctrl-C stops everything.`);

  started = Date.now(); // the clock of the progress lines: training time, not the server's start
  const workers = Array.from({ length: options.workers }, (_, i) => {
    const workerId = `demo-${i + 1}`;
    const args = [
      "--import",
      "tsx",
      path.join(ROOT, "examples", "mnist", "worker.ts"),
      "--url",
      url,
      "--experiment",
      name,
      "--worker-id",
      workerId,
      "--checkpoint-dir",
      checkpointDir,
      "--examples-per-job",
      String(options.examplesPerJob),
      "--batch-size",
      String(options.batchSize),
      "--log-every",
      String(options.logEvery),
      ...(options.verbose ? [] : ["--quiet"]),
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], detached: true });
    return { name: workerId, child, exited: track(workerId, child) };
  });
  let workersRunning = workers.length;
  const workerCodes: (number | null)[] = [];
  for (const w of workers) void w.exited.then((code) => (workersRunning--, workerCodes.push(code)));

  let stopping: Promise<void> | null = null;
  /** Set while the finished run's dashboard is served: Ctrl-C calls it to stop the server. */
  let serving: (() => void) | null = null;
  let lastSummary: Summary | null = null;
  const fetchSummary = async (): Promise<Summary | null> => {
    try {
      const [experiment, jobs] = await Promise.all([
        api<ExperimentView>(url, "GET", experimentRoute(name)),
        api<JobView[]>(url, "GET", `${experimentRoute(name)}/jobs`),
      ]);
      if (experiment.status !== 200 || jobs.status !== 200) return null;
      lastSummary = summarize(jobs.body, experiment.body.config.populationSize, experiment.body.config.stop.maxGenerations);
      return lastSummary;
    } catch {
      return null;
    }
  };

  const finish = async (reason: string, exitCode: number) => {
    stopping ??= (async () => {
      if (reason) console.log(reason);
      const summary = (await fetchSummary()) ?? lastSummary;
      await Promise.all(workers.map((w) => stopChild(w.name, w.child, w.exited)));
      if (summary) {
        console.log(`\n${name}: ${summary.jobsDone} jobs done in ${elapsed(started)} with ${options.workers} workers.`);
        console.log(`Best max_accuracy of generation 0: ${fmt(summary.generation0Best)}`);
        if (summary.best) {
          const b = summary.best;
          const h = b.hyperparameters;
          console.log(
            `${exitCode === 0 ? "Final best max_accuracy:          " : "Best max_accuracy so far:         "} ${fmt(b.score)} (job ${b.id}, member ${b.member}, generation ${b.generation};` +
              ` learning_rate ${Number(h.learning_rate).toPrecision(3)}, dropout_rate ${Number(h.dropout_rate).toFixed(3)}, ${String(h.hidden_units)} ${String(h.activation)} units)`,
          );
          if (typeof b.results.model_path === "string") console.log(`Best checkpoint: ${b.results.model_path}`);
        }
      }
      if (!server) console.log(`The server at ${url} keeps running.`);
      if (server && exitCode === 0 && !options.exitWhenDone && server.child.exitCode === null) {
        const page = `${url}/experiments/${encodeURIComponent(name)}`;
        console.log(`\nThe run is over; the dashboard stays up to look at it:`);
        console.log(`  ${page}            curves, lineage tree, population, events`);
        console.log(`  ${page}/analysis   hyperparameters against accuracy, and their importance`);
        console.log(`Press Ctrl-C to stop the server.`);
        await new Promise<void>((resolve) => {
          serving = resolve;
          void server.exited.then(() => resolve());
        });
        console.log("Stopping the server…");
      }
      if (server) await stopChild("server", server.child, server.exited, 15_000);
      process.exit(exitCode);
    })();
    return stopping;
  };

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (serving) {
      const stop = serving;
      serving = null;
      return stop();
    }
    interrupts++;
    if (interrupts > 1) {
      console.error("Killing everything.");
      process.exit(130); // the exit handler SIGKILLs the children
    }
    void finish(`\n${signal}: stopping the workers${server ? ", then the server" : ""}… (again to kill)`, 130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);

  let lastPrint = 0;
  for (;;) {
    await sleep(500);
    if (stopping) return;
    const experiment = await api<ExperimentView>(url, "GET", experimentRoute(name)).catch(() => null);
    if (experiment?.body.status === "done") {
      // The workers hear "done" at their next ask and exit on their own.
      const deadline = Date.now() + 30_000;
      while (workersRunning > 0 && Date.now() < deadline) await sleep(200);
      return finish(`Experiment done.`, workerCodes.every((c) => c === 0) ? 0 : 1);
    }
    if (workersRunning === 0) {
      return finish(`Every worker exited (codes ${workerCodes.join(", ")}) before the experiment was done.`, 1);
    }
    if (server && server.child.exitCode !== null) {
      return finish(`The server exited (code ${server.child.exitCode}).`, 1);
    }
    if (Date.now() - lastPrint >= options.progressSeconds * 1000) {
      lastPrint = Date.now();
      const s = await fetchSummary();
      if (s) {
        console.log(
          `[${elapsed(started)}] generation ${s.generationsDone}/${options.generations} · ${s.jobsDone} jobs done · ${s.running} running` +
            `${s.crashed ? ` · ${s.crashed} crashed` : ""} · best max_accuracy ${fmt(s.best?.score)} (generation 0 best ${fmt(s.generation0Best)})`,
        );
      }
    }
  }
}

main().catch(async (error) => {
  console.error(`demo: ${(error as Error).stack ?? error}`);
  for (const { name, child, exited } of children.slice().reverse()) await stopChild(name, child, exited, 5000);
  process.exit(1);
});
