// Load test (issue 10): N simulated workers on a population of N (256 by default) over real HTTP,
// next job → one metric point → complete with zero training time, until the experiment has passed
// 100,000 jobs; per minute: throughput, next-job and complete latency, the health check's latency
// and the server's memory. Meanwhile a viewer joins the experiment's socket.io room with
// `afterSeq: 0` (the whole event log behind it) and the health check is compared before and while
// it joins. The health check (`GET /api/v1/health`, no database) is probed from a worker thread at a
// fixed rate, whatever the answers take, so a stalled event loop shows in its percentiles.
//
//   npm run bench:load                               (PGlite; --databases pglite,postgres for both)
//   tsx bench/load.ts --quick                        (seconds: the smoke test's sizes)
//   tsx bench/load.ts --help
import { Worker } from "node:worker_threads";
import { io as ioClient } from "socket.io-client";
import { createExperimentOverHttp, experimentConfig, freshStorage, startServers, type Kind } from "./scheduler";
import {
  createJsonClient,
  isMain,
  latency,
  machine,
  parseCli,
  positiveInt,
  processCpuSeconds,
  processRssMiB,
  round,
  sleep,
  table,
  usageError,
  writeResults,
  type Latency,
} from "./lib";

export interface LoadBenchOptions {
  databases: Kind[];
  /** Simulated workers, and the experiment's population. */
  workers: number;
  /** The run ends with the first full window after this many jobs were completed, and not before `minWindows`. */
  targetJobs: number;
  minWindows: number;
  /** ... or after this many windows, however many jobs were completed. */
  maxWindows: number;
  /** Before the first window (counted in the jobs, not in the windows). */
  warmupMs: number;
  /** One row of figures per window: a minute in the full run. */
  windowMs: number;
  /** The health check's probing period, ms. */
  healthEveryMs: number;
  /** The server alone (no workers) before the load: the health check's own baseline. */
  idleMs: number;
  /** A viewer joins a sixth into the second window (so the first and last windows, which are compared, are without it). */
  viewer: boolean;
  log?: (line: string) => void;
}

export const FULL_LOAD_OPTIONS: LoadBenchOptions = {
  databases: ["pglite"],
  workers: 256,
  targetJobs: 100_000,
  minWindows: 3,
  maxWindows: 8,
  warmupMs: 10_000,
  windowMs: 60_000,
  healthEveryMs: 50,
  idleMs: 3_000,
  viewer: true,
};

/** Seconds: what bench/smoke.test.ts runs. */
export const QUICK_LOAD_OPTIONS: LoadBenchOptions = {
  databases: ["pglite"],
  workers: 8,
  targetJobs: 300,
  minWindows: 3,
  maxWindows: 20,
  warmupMs: 500,
  windowMs: 1_500,
  healthEveryMs: 50,
  idleMs: 500,
  viewer: true,
};

export interface LoadWindow {
  /** 1, 2, 3, …: the window's number (minutes in the full run). */
  window: number;
  seconds: number;
  /** Jobs completed since the start when the window ended. */
  jobsSoFar: number;
  jobsPerSecond: number;
  nextJobMs: Latency;
  completeMs: Latency;
  healthMs: Latency;
  /** The server process's resident memory at the window's end, and the most seen in it. */
  rssMiB: number;
  maxRssMiB: number;
  serverCpuCores: number;
  waits: number;
  errors: number;
}

export interface ViewerResult {
  /** Jobs completed when it joined. */
  atJobs: number;
  /** The join's answer as received ({ ok, experimentId, lastEventSeq, afterSeq, reload }). */
  ack: unknown;
  /** From the join to its answer, and to the last event of the backlog, ms (null: not before the run ended). */
  answerMs: number | null;
  backlogMs: number | null;
  /** Events of the backlog (up to the log's head at the join) and what they weighed on the wire. */
  backlogEvents: number;
  backlogBytes: number;
  /** Live events received after the backlog, until the run ended. */
  liveEvents: number;
  /** The health check during the join (from the join to the backlog's end, at least 5 s), and in as long a span just before it. */
  healthBefore: Latency;
  healthDuring: Latency;
}

export interface LoadRun {
  database: Kind;
  workers: number;
  jobs: number;
  seconds: number;
  /** The health check with the server idle, before the workers started. */
  idleHealthMs: Latency;
  windows: LoadWindow[];
  viewer: ViewerResult | null;
  /** Last window against the first (RSS: the most seen in each). */
  ratios: { jobsPerSecond: number; nextJobP99: number; rss: number };
  errors: number;
  firstError?: string;
}

export interface LoadResults {
  benchmark: "load";
  date: string;
  machine: ReturnType<typeof machine>;
  /** Load averages when each run ended (the machine is shared; the start's are in `machine`). */
  loadAverageAtEnd: number[][];
  options: Omit<LoadBenchOptions, "log">;
  skipped: string[];
  runs: LoadRun[];
  targets: { name: string; value: number; target: string; met: boolean }[];
}

// ---------------------------------------------------------------------------------------------

const now = () => performance.timeOrigin + performance.now();

// The prober runs in its own thread, so the simulated workers' load on this thread's event loop
// does not count as the server's. Plain JavaScript (eval), so it runs under tsx and vitest alike.
const PROBER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true });
const samples = [];
const now = () => performance.timeOrigin + performance.now();
const timer = setInterval(() => {
  const started = now();
  const done = () => samples.push(started, now() - started);
  http.get(workerData.url, { agent }, (res) => { res.resume(); res.on("end", done); }).on("error", () => samples.push(started, -1));
}, workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  setTimeout(() => { parentPort.postMessage(samples); agent.destroy(); }, 2000);
});
`;

/** Probes `url` every `everyMs` until stopped; returns [start, ms] pairs (ms -1: failed). */
function startProber(url: string, everyMs: number) {
  const worker = new Worker(PROBER, { eval: true, workerData: { url, everyMs } });
  return {
    async stop(): Promise<{ at: number; ms: number }[]> {
      const samples = new Promise<number[]>((resolve) => worker.once("message", resolve));
      worker.postMessage("stop");
      const flat = await samples;
      await worker.terminate();
      const pairs: { at: number; ms: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push({ at: flat[i]!, ms: flat[i + 1]! });
      return pairs;
    },
  };
}

/** Latency of the samples started in [from, to); a failed probe counts as a minute. */
function latencyIn(samples: { at: number; ms: number }[], from: number, to: number): Latency {
  return latency(samples.filter((s) => s.at >= from && s.at < to).map((s) => (s.ms < 0 ? 60_000 : s.ms)));
}

export async function loadRun(kind: Kind, opts: LoadBenchOptions): Promise<LoadRun> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const storage = await freshStorage(kind);
  const [server] = await startServers(1, storage.where);
  const pid = server!.child.pid;
  const name = `load ${kind} ${opts.workers}`;
  const client = createJsonClient();
  const experiment = encodeURIComponent(name);
  const base = `${server!.url}/api/v1`;
  try {
    await createExperimentOverHttp(server!.url, experimentConfig(name, opts.workers));
    const prober = startProber(`${base}/health`, opts.healthEveryMs);
    const idleFrom = now();
    await sleep(opts.idleMs);
    const start = now();
    const firstWindow = start + opts.warmupMs;

    const nextJob: { at: number; ms: number }[] = [];
    const complete: { at: number; ms: number }[] = [];
    const completedAt: number[] = [];
    const waitsAt: number[] = [];
    const errorsAt: number[] = [];
    let firstError: string | undefined;
    let stopped = false;
    const fail = (what: string) => {
      errorsAt.push(now());
      firstError ??= what;
    };

    async function worker(w: number) {
      while (!stopped) {
        try {
          const t0 = now();
          const answer = await client.post(`${base}/experiments/${experiment}/next-job`, { workerId: `load-${w}` });
          const t1 = now();
          nextJob.push({ at: t0, ms: t1 - t0 });
          if (answer.status !== 200) {
            fail(`next-job: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
            await sleep(50);
            continue;
          }
          if (answer.body.status !== "job") {
            waitsAt.push(t0);
            await sleep(Math.min(100, (answer.body.retryAfterSeconds ?? 0.1) * 1000));
            continue;
          }
          const { job, leaseToken } = answer.body;
          const score = Math.random();
          const m = await client.post(`${base}/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: job.generation, values: { score } }] });
          if (m.status !== 200) fail(`metrics: ${m.status} ${JSON.stringify(m.body).slice(0, 300)}`);
          const t2 = now();
          const c = await client.post(`${base}/jobs/${job.id}/complete`, { leaseToken, results: { score } });
          const t3 = now();
          complete.push({ at: t2, ms: t3 - t2 });
          if (c.status !== 200) fail(`complete: ${c.status} ${JSON.stringify(c.body).slice(0, 300)}`);
          else completedAt.push(t3);
        } catch (error) {
          fail(String(error));
          await sleep(20);
        }
      }
    }

    // Memory and CPU, sampled every second.
    const rss: { at: number; mib: number }[] = [];
    const cpu: { at: number; seconds: number }[] = [];
    const sample = () => {
      rss.push({ at: now(), mib: round(processRssMiB(pid), 1) });
      cpu.push({ at: now(), seconds: processCpuSeconds(pid) });
    };
    sample();
    const sampler = setInterval(sample, 1_000);

    let viewer: ViewerState | null = null;
    const loops = Array.from({ length: opts.workers }, (_, w) => worker(w));
    const windows: { from: number; to: number }[] = [];
    for (let from = firstWindow; ; from += opts.windowMs) {
      const to = from + opts.windowMs;
      const viewerAt = firstWindow + opts.windowMs * (1 + 1 / 6);
      while (now() < to) {
        if (!viewer && opts.viewer && now() >= viewerAt) viewer = joinViewer(server!.url, name, completedAt.length);
        await sleep(Math.max(1, Math.min(200, to - now())));
      }
      windows.push({ from, to });
      const done = completedAt.length;
      log(
        `  ${kind}: window ${windows.length}, ${done} jobs so far, ${round(completedAt.filter((t) => t >= from && t < to).length / (opts.windowMs / 1000), 1)} jobs/s`,
      );
      if ((done >= opts.targetJobs && windows.length >= opts.minWindows) || windows.length >= opts.maxWindows) break;
    }
    stopped = true;
    await Promise.all(loops);
    clearInterval(sampler);
    const end = now();
    const joined = viewer as ViewerState | null;
    joined?.close();
    if (joined && Number.isNaN(joined.joinedAt)) throw new Error("the viewer never connected");
    const health = await prober.stop();

    const rows: LoadWindow[] = windows.map(({ from, to }, i) => {
      const seconds = (to - from) / 1000;
      const inWindow = (t: number) => t >= from && t < to;
      const rssIn = rss.filter((s) => inWindow(s.at));
      // The samples nearest the window's ends (one a second).
      const cpuFrom = cpu.findLast((s) => s.at <= from) ?? cpu[0];
      const cpuTo = cpu.findLast((s) => s.at <= to);
      return {
        window: i + 1,
        seconds: round(seconds, 1),
        jobsSoFar: completedAt.filter((t) => t < to).length,
        jobsPerSecond: round(completedAt.filter(inWindow).length / seconds, 1),
        nextJobMs: latency(nextJob.filter((s) => inWindow(s.at)).map((s) => s.ms)),
        completeMs: latency(complete.filter((s) => inWindow(s.at)).map((s) => s.ms)),
        healthMs: latencyIn(health, from, to),
        rssMiB: rssIn.at(-1)?.mib ?? NaN,
        maxRssMiB: Math.max(...rssIn.map((s) => s.mib)),
        serverCpuCores: cpuFrom && cpuTo && cpuTo.at > cpuFrom.at ? round((cpuTo.seconds - cpuFrom.seconds) / ((cpuTo.at - cpuFrom.at) / 1000), 2) : NaN,
        waits: waitsAt.filter(inWindow).length,
        errors: errorsAt.filter(inWindow).length,
      };
    });
    const [first, last] = [rows[0]!, rows.at(-1)!];
    let viewerResult: ViewerResult | null = null;
    if (joined) {
      const { joinedAt, answeredAt, caughtUpAt } = joined;
      const span = Math.max(5_000, (caughtUpAt ?? end) - joinedAt);
      viewerResult = {
        atJobs: joined.atJobs,
        ack: joined.ack,
        answerMs: answeredAt === null ? null : round(answeredAt - joinedAt, 1),
        backlogMs: caughtUpAt === null ? null : round(caughtUpAt - joinedAt, 1),
        backlogEvents: joined.backlogEvents,
        backlogBytes: joined.backlogBytes,
        liveEvents: joined.liveEvents,
        healthBefore: latencyIn(health, joinedAt - span, joinedAt),
        healthDuring: latencyIn(health, joinedAt, joinedAt + span),
      };
    }
    return {
      database: kind,
      workers: opts.workers,
      jobs: completedAt.length,
      seconds: round((end - start) / 1000, 1),
      idleHealthMs: latencyIn(health, idleFrom, start),
      windows: rows,
      viewer: viewerResult,
      ratios: {
        jobsPerSecond: round(last.jobsPerSecond / first.jobsPerSecond, 3),
        nextJobP99: round(last.nextJobMs.p99 / first.nextJobMs.p99, 3),
        rss: round(last.maxRssMiB / first.maxRssMiB, 3),
      },
      errors: errorsAt.length,
      firstError,
    };
  } finally {
    client.close();
    await server!.stop();
    await storage.drop();
  }
}

interface ViewerState {
  atJobs: number;
  joinedAt: number;
  answeredAt: number | null;
  ack: unknown;
  /** When the backlog (up to the log's head at the join) had arrived. */
  caughtUpAt: number | null;
  backlogEvents: number;
  backlogBytes: number;
  liveEvents: number;
  close(): void;
}

/**
 * A dashboard that opens the experiment with nothing seen yet: joins its room with `afterSeq: 0`
 * (server/realtime/eventStream.ts: the answer says where the log's head is and whether the
 * backlog was cut short, `reload`; the backlog follows), counting what arrives up to the head and
 * after it. A dashboard told to reload would then fetch its snapshot (bench/reads.ts measures that).
 */
function joinViewer(url: string, experiment: string, atJobs: number): ViewerState {
  const socket = ioClient(url, { transports: ["websocket"], reconnection: false });
  const state: ViewerState = {
    atJobs,
    joinedAt: NaN,
    answeredAt: null,
    ack: null,
    caughtUpAt: null,
    backlogEvents: 0,
    backlogBytes: 0,
    liveEvents: 0,
    close: () => socket.close(),
  };
  let head = Infinity;
  let bytes = 0;
  socket.on("event", (event: { seq: number }) => {
    if (state.caughtUpAt !== null) {
      state.liveEvents++;
      return;
    }
    state.backlogEvents++;
    if (event.seq >= head) {
      state.caughtUpAt = now();
      state.backlogBytes = bytes;
    }
  });
  socket.on("connect", () => {
    socket.io.engine.on("packet", (packet: { data?: unknown }) => {
      if (typeof packet.data === "string") bytes += packet.data.length;
    });
    state.joinedAt = now();
    socket.emit("join", { experiment, afterSeq: 0 }, (answer: { ok?: boolean; lastEventSeq?: number }) => {
      state.answeredAt = now();
      state.ack = answer;
      head = answer.lastEventSeq ?? Infinity;
      if (state.backlogEvents > 0 && head <= 0) state.caughtUpAt = now();
    });
  });
  return state;
}

export async function runLoadBench(opts: LoadBenchOptions): Promise<LoadResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const results: LoadResults = {
    benchmark: "load",
    date: new Date().toISOString(),
    machine: machine(),
    loadAverageAtEnd: [],
    options: { ...opts, log: undefined } as Omit<LoadBenchOptions, "log">,
    skipped: [],
    runs: [],
    targets: [],
  };
  delete (results.options as { log?: unknown }).log;
  for (const kind of opts.databases) {
    if (kind === "postgres" && !process.env.LINEAGE_TEST_POSTGRES_URL) {
      results.skipped.push("PostgreSQL: LINEAGE_TEST_POSTGRES_URL is not set");
      continue;
    }
    log(`${kind}: ${opts.workers} workers on a population of ${opts.workers}, until ${opts.targetJobs} jobs`);
    const run = await loadRun(kind, opts);
    results.runs.push(run);
    results.loadAverageAtEnd.push(machine().loadAverage);
    if (run.errors > 0) log(`  ${run.errors} errors; first: ${run.firstError}`);
  }
  for (const run of results.runs) {
    const within = (value: number) => Math.abs(value - 1) <= 0.2;
    const k = run.database;
    const n = run.windows.length;
    results.targets.push({
      name: `${k}: jobs/s, window ${n} / window 1`,
      value: run.ratios.jobsPerSecond,
      target: "within 20 %",
      met: within(run.ratios.jobsPerSecond),
    });
    results.targets.push({
      name: `${k}: next-job p99, window ${n} / window 1`,
      value: run.ratios.nextJobP99,
      target: "<= 1.2",
      met: run.ratios.nextJobP99 <= 1.2,
    });
    results.targets.push({ name: `${k}: server's most RSS, window ${n} / window 1`, value: run.ratios.rss, target: "<= 1.2", met: run.ratios.rss <= 1.2 });
    results.targets.push({ name: `${k}: jobs completed`, value: run.jobs, target: `>= ${opts.targetJobs}`, met: run.jobs >= opts.targetJobs });
    if (run.viewer) {
      results.targets.push({
        name: `${k}: health p99 ms while a viewer joins with afterSeq 0`,
        value: run.viewer.healthDuring.p99,
        target: "<= 100",
        met: run.viewer.healthDuring.p99 <= 100,
      });
    }
  }
  return results;
}

export function formatLoadResults(r: LoadResults): string {
  const lines: string[] = [];
  for (const run of r.runs) {
    lines.push(
      `${run.database}: ${run.workers} workers, population ${run.workers}: ${run.jobs} jobs in ${run.seconds} s; health check on the idle server p50 ${run.idleHealthMs.p50} / p99 ${run.idleHealthMs.p99} ms`,
    );
    lines.push(
      table(
        [
          "window",
          "s",
          "jobs so far",
          "jobs/s",
          "next p50",
          "next p99",
          "complete p99",
          "health p50",
          "health p99",
          "health max",
          "RSS MiB",
          "max RSS",
          "server CPU",
          "waits",
          "errors",
        ],
        run.windows.map((w) => [
          w.window,
          w.seconds,
          w.jobsSoFar,
          w.jobsPerSecond,
          w.nextJobMs.p50,
          w.nextJobMs.p99,
          w.completeMs.p99,
          w.healthMs.p50,
          w.healthMs.p99,
          w.healthMs.max,
          w.rssMiB,
          w.maxRssMiB,
          w.serverCpuCores,
          w.waits,
          w.errors,
        ]),
      ),
    );
    const v = run.viewer;
    if (v) {
      lines.push(
        `viewer joined with afterSeq 0 at ${v.atJobs} jobs: answer after ${v.answerMs ?? "-"} ms, ${JSON.stringify(v.ack)?.slice(0, 200)}; ` +
          `backlog of ${v.backlogEvents} events (${round(v.backlogBytes / 2 ** 20, 2)} MiB) in ${v.backlogMs ?? "-"} ms; ${v.liveEvents} live events after`,
      );
      lines.push(
        `health check p50 / p99 / max ms: before the join ${v.healthBefore.p50} / ${v.healthBefore.p99} / ${v.healthBefore.max}, during it ${v.healthDuring.p50} / ${v.healthDuring.p99} / ${v.healthDuring.max}`,
      );
    }
    lines.push("");
  }
  if (r.targets.length)
    lines.push(
      table(
        ["target", "value", "wanted", "met"],
        r.targets.map((t) => [t.name, t.value, t.target, t.met ? "yes" : "NO"]),
      ),
    );
  if (r.skipped.length) lines.push(`\nskipped: ${r.skipped.join("; ")}`);
  lines.push(
    `\nmachine: ${r.machine.cpus} CPUs, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, load average at start ${r.machine.loadAverage.join(" ")}` +
      `, at the end of each run ${r.loadAverageAtEnd.map((l) => l.join(" ")).join("; ")}`,
  );
  return lines.join("\n");
}

const USAGE = `usage: tsx bench/load.ts [--quick] [--databases LIST] [--workers N] [--jobs N] [--windows N]
                        [--window-ms N] [--warmup-ms N] [--no-viewer] [--out FILE]

N workers on a population of N until the experiment passed --jobs jobs, and for at least --windows
windows: per window (a minute), throughput, next-job latency, the health check and the server's
memory. A viewer joins the experiment's socket.io room with afterSeq 0 in the second window. About
3 minutes per database on 2 cores.

  --quick            the smoke test's sizes (seconds); the options below still apply
  --databases LIST   pglite,postgres (default pglite; PostgreSQL needs LINEAGE_TEST_POSTGRES_URL)
  --workers N        workers and population (default ${FULL_LOAD_OPTIONS.workers})
  --jobs N           jobs to pass (default ${FULL_LOAD_OPTIONS.targetJobs})
  --windows N        at least this many windows (default ${FULL_LOAD_OPTIONS.minWindows})
  --max-windows N    at most this many, whether the jobs were done or not (default ${FULL_LOAD_OPTIONS.maxWindows})
  --window-ms N      one row of figures per window (default ${FULL_LOAD_OPTIONS.windowMs})
  --warmup-ms N      before the first window (default ${FULL_LOAD_OPTIONS.warmupMs})
  --no-viewer        no viewer joins
  --out FILE         also write the figures as JSON to bench/results/FILE (e.g. load.json);
                     without it nothing is written, so a trial run keeps the committed figures
  -h, --help         this text`;

if (isMain(import.meta.url)) {
  const values = parseCli(USAGE, {
    quick: { type: "boolean" },
    databases: { type: "string" },
    workers: { type: "string" },
    jobs: { type: "string" },
    "window-ms": { type: "string" },
    "warmup-ms": { type: "string" },
    windows: { type: "string" },
    "max-windows": { type: "string" },
    "no-viewer": { type: "boolean" },
    out: { type: "string" },
  });
  const defaults = values.quick ? QUICK_LOAD_OPTIONS : FULL_LOAD_OPTIONS;
  const databases = ((values.databases as string | undefined)?.split(",").filter(Boolean) ?? defaults.databases) as Kind[];
  if (databases.length === 0 || databases.some((d) => d !== "pglite" && d !== "postgres")) {
    usageError(`--databases: pglite, postgres or both, got ${JSON.stringify(values.databases)}`, USAGE);
  }
  const int = (name: string, fallback: number) => positiveInt(name, values[name] as string | undefined, fallback, USAGE);
  const results = await runLoadBench({
    ...defaults,
    databases,
    workers: int("workers", defaults.workers),
    targetJobs: int("jobs", defaults.targetJobs),
    windowMs: int("window-ms", defaults.windowMs),
    warmupMs: int("warmup-ms", defaults.warmupMs),
    minWindows: int("windows", defaults.minWindows),
    maxWindows: int("max-windows", defaults.maxWindows),
    viewer: !values["no-viewer"],
  });
  console.log("\n" + formatLoadResults(results));
  if (typeof values.out === "string") console.log(`\nwrote ${writeResults(values.out, results)}`);
}
