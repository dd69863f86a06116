// Scheduler throughput: N simulated workers over real HTTP doing next job → metric → complete
// with zero training time, against one server process on PGlite and one or two server processes
// on PostgreSQL; in the same run, the raw database doing the same claim and complete writes
// through Prisma (no HTTP, no scheduler logic); and the cost of a decision as the experiment's
// history grows (population 256, up to 100,000 finished jobs).
//
//   npm run bench:scheduler -- --out scheduler.json   (LINEAGE_TEST_POSTGRES_URL adds PostgreSQL)
//   tsx bench/scheduler.ts --workers '' --history 1000,100000      (the history rows only)
//   tsx bench/scheduler.ts --help
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../server/db/client";
import { createPostgresDatabase } from "../server/testing/databases";
import { experimentConfigSchema, type ExperimentConfigInput } from "../server/pbt/config";
import { createLocalBus } from "../server/realtime/bus";
import { unusedCheckpointStore } from "./lib";
import { createScheduler } from "../server/scheduler";
import { loadMembers } from "../server/scheduler/population";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import {
  createJsonClient,
  isMain,
  latency,
  machine,
  median,
  parseCli,
  positiveInt,
  processCpuSeconds,
  round,
  sleep,
  table,
  usageError,
  writeResults,
  type Latency,
} from "./lib";

export type Kind = "pglite" | "postgres";

export interface SchedulerBenchOptions {
  workerCounts: number[];
  databases: Kind[];
  /** Also run PostgreSQL with two server processes sharing the database. */
  twoServers: boolean;
  warmupMs: number;
  measureMs: number;
  /** Queued jobs seeded for the raw-database baseline (it stops early if they run out). */
  baselineJobs: number;
  /** Finished jobs already in the experiment for the history-growth rows. */
  historySizes: number[];
  /** Workers of the history rows, and the experiment's population. */
  historyWorkers: number;
  log?: (line: string) => void;
}

export const FULL_OPTIONS: SchedulerBenchOptions = {
  workerCounts: [8, 64, 256],
  databases: ["pglite", "postgres"],
  twoServers: true,
  warmupMs: 2_000,
  measureMs: 8_000,
  baselineJobs: 30_000,
  historySizes: [1_000, 10_000, 50_000, 100_000],
  historyWorkers: 256,
};

export interface ThroughputRow {
  database: Kind;
  servers: number;
  workers: number;
  /** Finished jobs in the experiment before the measurement (0 for a fresh experiment). */
  history: number;
  cycles: number;
  seconds: number;
  cyclesPerSecond: number;
  nextJobMs: Latency;
  metricsMs: Latency;
  completeMs: Latency;
  /** "wait" answers to next-job in the window (nothing to hand out at that moment). */
  waits: number;
  errors: number;
  /** CPU cores the server process(es) used during the window (2 = both cores busy). */
  serverCpuCores: number;
  /** CPU cores the benchmark process (the simulated workers) used during the window. */
  clientCpuCores: number;
  /**
   * History rows only: median time of loadPopulation (the read every batch of decisions starts
   * with), ms, on the seeded database before the server ever ran (PGlite: no statistics at all).
   */
  loadPopulationMs?: number;
  /**
   * History rows only: one worker alone against the server, next-job → complete 20 times before
   * the load: the median next-job, ms (a batch of one decision: what a next-job costs by itself).
   */
  idleNextJobMs?: number;
}

export interface BaselineRow {
  database: Kind;
  workers: number;
  cycles: number;
  seconds: number;
  cyclesPerSecond: number;
  claimMs: Latency;
  completeMs: Latency;
  /** The seeded queue ran out before the window ended. */
  exhausted: boolean;
}

export interface SchedulerResults {
  benchmark: "scheduler";
  date: string;
  machine: ReturnType<typeof machine>;
  options: Omit<SchedulerBenchOptions, "log">;
  skipped: string[];
  throughput: ThroughputRow[];
  baseline: BaselineRow[];
  /** Ours as a fraction of the baseline on the same database with the same number of workers. */
  fractionOfBaseline: { database: Kind; servers: number; workers: number; fraction: number }[];
  history: ThroughputRow[];
  /** Targets of the issue, checked on this run. */
  targets: { name: string; value: number; target: string; met: boolean }[];
}

// ---------------------------------------------------------------------------------------------

export function experimentConfig(name: string, populationSize: number): ExperimentConfigInput {
  return {
    name,
    objective: "maximize",
    metric: "score",
    populationSize,
    // Never reached: the experiment keeps going for the whole measurement.
    stop: { maxGenerations: 1_000_000 },
    mode: "async",
    exploit: { kind: "truncate", fraction: 0.2 },
    hyperparameters: {
      lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb", minFactor: 0.8, maxFactor: 1.2 } },
      dropout: { init: { kind: "uniform", low: 0, high: 0.5 }, explore: { kind: "resample", probability: 0.25 } },
    },
    leaseSeconds: 300,
    maxRetries: 3,
    seed: 1,
  };
}

/**
 * Runs `workers` simulated workers against `urls` (round-robin per call, as behind a load
 * balancer) and measures the window after the warm-up.
 */
export async function driveWorkers(
  urls: string[],
  experiment: string,
  workers: number,
  opts: { warmupMs: number; measureMs: number; serverPids: (number | undefined)[] },
): Promise<Omit<ThroughputRow, "database" | "servers" | "workers" | "history">> {
  const client = createJsonClient();
  const name = encodeURIComponent(experiment);
  const start = performance.now();
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.measureMs;
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  const next: number[] = [];
  const metrics: number[] = [];
  const complete: number[] = [];
  let cycles = 0;
  let waits = 0;
  let errors = 0;
  let firstError: string | undefined;
  let stopped = false;

  const fail = (what: string, answer: { status: number; body: unknown }) => {
    errors++;
    firstError ??= `${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  };

  async function worker(w: number) {
    for (let i = w; !stopped && performance.now() < windowEnd; i++) {
      try {
        if ((await cycle(w, i)) === "done") return;
      } catch (error) {
        // e.g. ECONNRESET when a keep-alive connection is closed by the server as it is reused.
        errors++;
        firstError ??= String(error);
        await sleep(20);
      }
    }
  }

  async function cycle(w: number, i: number): Promise<"done" | void> {
    {
      const base = `${urls[i % urls.length]}/api/v1`;
      const t0 = performance.now();
      const answer = await client.post(`${base}/experiments/${name}/next-job`, { workerId: `bench-${w}` });
      const t1 = performance.now();
      if (inWindow(t0)) next.push(t1 - t0);
      if (answer.status !== 200) {
        fail("next-job", answer);
        await sleep(50);
        return;
      }
      if (answer.body.status === "done") return "done";
      if (answer.body.status === "wait") {
        if (inWindow(t0)) waits++;
        await sleep(Math.min(100, (answer.body.retryAfterSeconds ?? 0.1) * 1000));
        return;
      }
      const { job, leaseToken } = answer.body;
      const score = Math.random();
      const m = await client.post(`${base}/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: job.generation, values: { score } }] });
      const t2 = performance.now();
      if (inWindow(t1)) metrics.push(t2 - t1);
      if (m.status !== 200) fail("metrics", m);
      const c = await client.post(`${base}/jobs/${job.id}/complete`, { leaseToken, results: { score } });
      const t3 = performance.now();
      if (inWindow(t2)) complete.push(t3 - t2);
      if (c.status !== 200) {
        fail("complete", c);
        return;
      }
      if (inWindow(t3)) cycles++;
    }
  }

  let cpuAtStart: number[] = [];
  let clientCpuAtStart = process.cpuUsage();
  const sampler = (async () => {
    await sleep(Math.max(0, windowStart - performance.now()));
    cpuAtStart = opts.serverPids.map(processCpuSeconds);
    clientCpuAtStart = process.cpuUsage();
    await sleep(Math.max(0, windowEnd - performance.now()));
    const serverCpu = opts.serverPids.map(processCpuSeconds).reduce((sum, c, i) => sum + (c - cpuAtStart[i]!), 0);
    const clientCpu = process.cpuUsage(clientCpuAtStart);
    stopped = true;
    return { serverCpu, clientCpu: (clientCpu.user + clientCpu.system) / 1e6 };
  })();
  const loops = Array.from({ length: workers }, (_, w) => worker(w));
  const cpu = await sampler;
  await Promise.all(loops);
  client.close();
  if (errors > 0) console.warn(`[bench] ${errors} errors against ${experiment}; first: ${firstError}`);
  const seconds = opts.measureMs / 1000;
  return {
    cycles,
    seconds,
    cyclesPerSecond: round(cycles / seconds, 1),
    nextJobMs: latency(next),
    metricsMs: latency(metrics),
    completeMs: latency(complete),
    waits,
    errors,
    serverCpuCores: round(cpu.serverCpu / seconds, 2),
    clientCpuCores: round(cpu.clientCpu / seconds, 2),
  };
}

export async function createExperimentOverHttp(url: string, config: ExperimentConfigInput) {
  const client = createJsonClient();
  const answer = await client.post(`${url}/api/v1/experiments`, config);
  client.close();
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`create experiment: ${answer.status} ${JSON.stringify(answer.body)}`);
}

export const SERVER_ENV = { LINEAGE_REAPER_INTERVAL_MS: "1000", LINEAGE_RETRY_AFTER_SECONDS: "0.1" };

export async function startServers(count: number, where: { databaseUrl?: string; dataDir?: string }): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  // One after another: each applies the migrations at start.
  for (let i = 0; i < count; i++) servers.push(await startServerProcess({ ...where, env: SERVER_ENV }));
  return servers;
}

/** A fresh database of `kind` for a server process: its location and a cleanup. */
export async function freshStorage(
  kind: Kind,
): Promise<{ where: { databaseUrl?: string; dataDir?: string }; url?: string; dataDir?: string; drop(): Promise<void> }> {
  if (kind === "postgres") {
    const created = await createPostgresDatabase();
    return { where: { databaseUrl: created.url }, url: created.url, drop: created.drop };
  }
  // A copy of a migrated template folder: opening a fresh PGlite and migrating it costs seconds.
  // The server keeps its database in <LINEAGE_DATA_DIR>/db.
  const parent = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-"));
  const dataDir = path.join(parent, "db");
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
  return { where: { dataDir: parent }, dataDir, drop: async () => rmSync(parent, { recursive: true, force: true }) };
}

let template: Promise<string> | undefined;

/** A migrated, empty PGlite data folder, made once per run (removed at exit). */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-template-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ dataDir: dir });
    await db.close();
    return dir;
  })();
  return template;
}

async function openStorage(storage: { url?: string; dataDir?: string }): Promise<Database> {
  return storage.url ? openDatabase({ url: storage.url }) : openDatabase({ dataDir: storage.dataDir! });
}

export async function throughputRun(kind: Kind, servers: number, workers: number, opts: SchedulerBenchOptions): Promise<ThroughputRow> {
  const storage = await freshStorage(kind);
  const procs = await startServers(servers, storage.where);
  try {
    const name = `bench ${kind} ${servers}x ${workers} workers`;
    await createExperimentOverHttp(procs[0]!.url, experimentConfig(name, workers));
    const measured = await driveWorkers(
      procs.map((p) => p.url),
      name,
      workers,
      { warmupMs: opts.warmupMs, measureMs: opts.measureMs, serverPids: procs.map((p) => p.child.pid) },
    );
    return { database: kind, servers, workers, history: 0, ...measured };
  } finally {
    for (const p of procs) await p.stop();
    await storage.drop();
  }
}

/**
 * An experiment with `finished` done jobs spread over its members (generation after generation),
 * inserted directly in SQL, as if it had been running for a long time. Returns the experiment id.
 */
async function seedHistory(db: Database, name: string, populationSize: number, finished: number): Promise<number> {
  const scheduler = createScheduler(
    { prisma: db.prisma, sql: db.sql, bus: createLocalBus(), checkpoints: unusedCheckpointStore(), now: () => new Date() },
    { retryAfterSeconds: 0.1, maxCheckpointBytes: 0 },
  );
  const experiment = await scheduler.createExperiment(experimentConfigSchema.parse(experimentConfig(name, populationSize)) as never);
  const id = experiment.id;
  const start = new Date(Date.now() - finished * 1000);
  const CHUNK = 20_000;
  for (let from = 0; from < finished; from += CHUNK) {
    const to = Math.min(finished, from + CHUNK) - 1;
    await db.sql.query`
      INSERT INTO "Job" ("experimentId", member, generation, attempt, status, hyperparameters, results, score, origin, "workerId",
                         "createdAt", "startedAt", "finishedAt")
      SELECT ${id}, i % ${populationSize}, i / ${populationSize}, 0, 'done',
             jsonb_build_object('lr', 0.001 + random() * 0.01, 'dropout', random() * 0.5), jsonb_build_object('score', score), score,
             CASE WHEN i < ${populationSize} THEN 'initial' ELSE 'continue' END, 'seed',
             ${start}::timestamp + i * interval '1 second', ${start}::timestamp + i * interval '1 second',
             ${start}::timestamp + i * interval '1 second' + interval '500 milliseconds'
      FROM (SELECT i, random() AS score FROM generate_series(${from}::int, ${to}::int) AS i) AS seeded`;
  }
  await db.sql.query`UPDATE "Experiment" SET "jobsCreated" = ${finished} WHERE id = ${id}`;
  return id;
}

async function timeLoadPopulation(db: Database, experimentId: number, populationSize: number, times = 15): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await loadMembers(db.sql, experimentId, populationSize);
    samples.push(performance.now() - t0);
  }
  return round(median(samples), 2);
}

export async function historyRun(kind: Kind, finished: number, opts: SchedulerBenchOptions): Promise<ThroughputRow> {
  const storage = await freshStorage(kind);
  const name = `bench history ${finished}`;
  const workers = opts.historyWorkers;
  let loadPopulationMs: number;
  {
    const db = await openStorage(storage);
    try {
      const id = await seedHistory(db, name, workers, finished);
      loadPopulationMs = await timeLoadPopulation(db, id, workers);
    } finally {
      await db.close();
    }
  }
  const procs = await startServers(1, storage.where);
  try {
    const idleNextJobMs = await idleNextJob(procs[0]!.url, name, 20);
    const measured = await driveWorkers([procs[0]!.url], name, workers, {
      warmupMs: opts.warmupMs,
      measureMs: opts.measureMs,
      serverPids: [procs[0]!.child.pid],
    });
    return { database: kind, servers: 1, workers, history: finished, ...measured, loadPopulationMs, idleNextJobMs };
  } finally {
    for (const p of procs) await p.stop();
    await storage.drop();
  }
}

/** One worker alone: `cycles` × (next-job → complete); the median next-job in ms. */
async function idleNextJob(url: string, experiment: string, cycles: number): Promise<number> {
  const client = createJsonClient();
  const name = encodeURIComponent(experiment);
  const samples: number[] = [];
  try {
    while (samples.length < cycles) {
      const t0 = performance.now();
      const answer = await client.post(`${url}/api/v1/experiments/${name}/next-job`, { workerId: "idle" });
      samples.push(performance.now() - t0);
      if (answer.status !== 200 || answer.body.status !== "job")
        throw new Error(`idle next-job: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      const done = await client.post(`${url}/api/v1/jobs/${answer.body.job.id}/complete`, {
        leaseToken: answer.body.leaseToken,
        results: { score: Math.random() },
      });
      if (done.status !== 200) throw new Error(`idle complete: ${done.status} ${JSON.stringify(done.body).slice(0, 300)}`);
    }
  } finally {
    client.close();
  }
  return round(median(samples), 2);
}

/** The raw database: SKIP LOCKED claim + update in a transaction, a metric insert, the complete update. */
export async function baselineRun(kind: Kind, workers: number, opts: SchedulerBenchOptions): Promise<BaselineRow> {
  const storage = await freshStorage(kind);
  const db = await openStorage(storage);
  try {
    const prisma = db.prisma;
    const experiment = await prisma.experiment.create({ data: { name: "baseline", config: {}, status: "running" } });
    const experimentId = experiment.id;
    // PGlite claims a few hundred jobs a second here and seeding it is slow: seed less.
    const seed = kind === "pglite" ? Math.ceil(opts.baselineJobs / 3) : opts.baselineJobs;
    for (let from = 0; from < seed; from += 5_000) {
      const n = Math.min(5_000, seed - from);
      await prisma.job.createMany({
        data: Array.from({ length: n }, (_, i) => ({
          experimentId,
          member: from + i,
          generation: 0,
          attempt: 0,
          status: "queued",
          hyperparameters: { lr: 0.01, dropout: 0.1 },
          origin: "initial",
        })),
      });
    }
    const start = performance.now();
    const windowStart = start + opts.warmupMs;
    const windowEnd = windowStart + opts.measureMs;
    const inWindow = (t: number) => t >= windowStart && t < windowEnd;
    const claims: number[] = [];
    const completes: number[] = [];
    let cycles = 0;
    let exhausted = false;
    // In-process PGlite answers without I/O, so timers may not fire while the loops run: the
    // loops look at the clock themselves.
    const worker = async (w: number) => {
      while (performance.now() < windowEnd) {
        const t0 = performance.now();
        const now = new Date();
        const leaseToken = randomBytes(24).toString("base64url");
        const job = await prisma.$transaction(async (tx) => {
          const rows = await tx.$queryRaw<{ id: number }[]>`
            SELECT id FROM "Job" WHERE "experimentId" = ${experimentId} AND status = 'queued'
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
          if (!rows[0]) return null;
          return tx.job.update({
            where: { id: rows[0].id },
            data: {
              status: "running",
              workerId: `bench-${w}`,
              leaseToken,
              leaseExpiresAt: new Date(now.getTime() + 300_000),
              heartbeatAt: now,
              startedAt: now,
            },
          });
        });
        const t1 = performance.now();
        if (!job) {
          exhausted = true;
          return;
        }
        if (inWindow(t0)) claims.push(t1 - t0);
        const score = Math.random();
        await prisma.metricPoint.create({ data: { experimentId, jobId: job.id, member: job.member, step: 0, values: { score } } });
        const t2 = performance.now();
        await prisma.job.updateMany({
          where: { id: job.id, leaseToken, status: "running" },
          data: { status: "done", results: { score }, score, finishedAt: new Date(), leaseToken: null },
        });
        const t3 = performance.now();
        if (inWindow(t2)) completes.push(t3 - t2);
        if (inWindow(t3)) cycles++;
      }
    };
    const loops = Array.from({ length: workers }, (_, w) => worker(w));
    await Promise.all(loops);
    const ended = Math.min(performance.now(), windowEnd);
    const seconds = Math.max(0.001, (ended - windowStart) / 1000);
    return {
      database: kind,
      workers,
      cycles,
      seconds: round(seconds, 2),
      cyclesPerSecond: round(cycles / seconds, 1),
      claimMs: latency(claims),
      completeMs: latency(completes),
      exhausted,
    };
  } finally {
    await db.close();
    await storage.drop();
  }
}

// ---------------------------------------------------------------------------------------------

export async function runSchedulerBench(opts: SchedulerBenchOptions): Promise<SchedulerResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const results: SchedulerResults = {
    benchmark: "scheduler",
    date: new Date().toISOString(),
    machine: machine(),
    options: { ...opts, log: undefined } as Omit<SchedulerBenchOptions, "log">,
    skipped: [],
    throughput: [],
    baseline: [],
    fractionOfBaseline: [],
    history: [],
    targets: [],
  };
  delete (results.options as { log?: unknown }).log;
  const kinds = opts.databases.filter((k) => {
    if (k === "postgres" && !process.env.LINEAGE_TEST_POSTGRES_URL) {
      results.skipped.push("PostgreSQL: LINEAGE_TEST_POSTGRES_URL is not set");
      return false;
    }
    return true;
  });

  for (const kind of kinds) {
    for (const workers of opts.workerCounts) {
      // Baseline first, then ours, for each size: both see the machine in the same state.
      const base = await baselineRun(kind, workers, opts);
      results.baseline.push(base);
      log(`baseline ${kind} ${workers} workers: ${base.cyclesPerSecond} cycles/s${base.exhausted ? " (queue ran out)" : ""}`);
      const serverCounts = kind === "postgres" && opts.twoServers ? [1, 2] : [1];
      for (const servers of serverCounts) {
        const row = await throughputRun(kind, servers, workers, opts);
        results.throughput.push(row);
        results.fractionOfBaseline.push({ database: kind, servers, workers, fraction: round(row.cyclesPerSecond / base.cyclesPerSecond, 3) });
        log(
          `lineage  ${kind} ${servers} server(s) ${workers} workers: ${row.cyclesPerSecond} cycles/s, ` +
            `next-job p50 ${row.nextJobMs.p50} ms p99 ${row.nextJobMs.p99} ms, complete p50 ${row.completeMs.p50} ms p99 ${row.completeMs.p99} ms, ` +
            `server CPU ${row.serverCpuCores} cores`,
        );
      }
    }
    for (const finished of opts.historySizes) {
      const row = await historyRun(kind, finished, opts);
      results.history.push(row);
      log(
        `history  ${kind} ${finished} finished jobs, ${row.workers} workers: ${row.cyclesPerSecond} cycles/s, next-job p99 ${row.nextJobMs.p99} ms, ` +
          `alone ${row.idleNextJobMs} ms, loadPopulation ${row.loadPopulationMs} ms`,
      );
    }
  }

  const pglite64 = results.throughput.find((r) => r.database === "pglite" && r.workers === 64 && r.servers === 1);
  if (pglite64) {
    results.targets.push({ name: "PGlite, 64 workers: cycles/s", value: pglite64.cyclesPerSecond, target: ">= 200", met: pglite64.cyclesPerSecond >= 200 });
    results.targets.push({ name: "PGlite, 64 workers: next-job p99 ms", value: pglite64.nextJobMs.p99, target: "<= 100", met: pglite64.nextJobMs.p99 <= 100 });
  }
  for (const f of results.fractionOfBaseline) {
    results.targets.push({
      name: `${f.database} ${f.servers} server(s), ${f.workers} workers: fraction of raw-database baseline`,
      value: f.fraction,
      target: ">= 0.5",
      met: f.fraction >= 0.5,
    });
  }
  for (const kind of kinds) {
    const rows = results.history.filter((r) => r.database === kind).sort((a, b) => a.history - b.history);
    if (rows.length >= 2) {
      const [first, last] = [rows[0]!, rows.at(-1)!];
      const at = `at ${last.history} / at ${first.history} finished jobs`;
      const ratio = round(last.cyclesPerSecond / first.cyclesPerSecond, 3);
      results.targets.push({ name: `${kind}: throughput ${at}`, value: ratio, target: ">= 0.9 (does not fall)", met: ratio >= 0.9 });
      const p99 = round(last.nextJobMs.p99 / first.nextJobMs.p99, 3);
      results.targets.push({ name: `${kind}: next-job p99 ${at}`, value: p99, target: "<= 1.2 (does not grow)", met: p99 <= 1.2 });
      const alone = round(last.idleNextJobMs! / first.idleNextJobMs!, 3);
      results.targets.push({ name: `${kind}: next-job alone ${at}`, value: alone, target: "<= 1.5 (does not grow)", met: alone <= 1.5 });
    }
  }
  return results;
}

export function formatSchedulerResults(r: SchedulerResults): string {
  const lines: string[] = [];
  if (r.throughput.length)
    lines.push(
      table(
        ["database", "servers", "workers", "cycles/s", "baseline/s", "fraction", "next p50", "next p99", "complete p50", "complete p99", "server CPU"],
        r.throughput.map((row) => {
          const base = r.baseline.find((b) => b.database === row.database && b.workers === row.workers);
          const fraction = r.fractionOfBaseline.find((f) => f.database === row.database && f.servers === row.servers && f.workers === row.workers);
          return [
            row.database,
            row.servers,
            row.workers,
            row.cyclesPerSecond,
            base?.cyclesPerSecond ?? NaN,
            fraction?.fraction ?? NaN,
            row.nextJobMs.p50,
            row.nextJobMs.p99,
            row.completeMs.p50,
            row.completeMs.p99,
            row.serverCpuCores,
          ];
        }),
      ),
    );
  if (r.history.length) {
    if (lines.length) lines.push("");
    lines.push(
      table(
        ["database", "finished jobs", "workers", "cycles/s", "next p50", "next p99", "complete p99", "next-job alone ms", "loadPopulation ms"],
        r.history.map((h) => [
          h.database,
          h.history,
          h.workers,
          h.cyclesPerSecond,
          h.nextJobMs.p50,
          h.nextJobMs.p99,
          h.completeMs.p99,
          h.idleNextJobMs ?? NaN,
          h.loadPopulationMs ?? NaN,
        ]),
      ),
    );
  }
  if (r.targets.length) {
    lines.push("");
    lines.push(
      table(
        ["target", "value", "wanted", "met"],
        r.targets.map((t) => [t.name, t.value, t.target, t.met ? "yes" : "NO"]),
      ),
    );
  }
  if (r.skipped.length) lines.push(`\nskipped: ${r.skipped.join("; ")}`);
  lines.push(`\nmachine: ${r.machine.cpus} CPUs, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, load average at start ${r.machine.loadAverage.join(" ")}`);
  return lines.join("\n");
}

const USAGE = `usage: tsx bench/scheduler.ts [--workers LIST] [--databases LIST] [--history LIST] [--history-workers N]
                             [--warmup-ms N] [--measure-ms N] [--out FILE]

Scheduler throughput over real HTTP against server processes, next to the raw database through
Prisma (the baseline), and the cost of a decision as the experiment's history grows.

  --workers LIST          worker counts of the throughput rows (default ${FULL_OPTIONS.workerCounts.join(",")}; '' for none)
  --databases LIST        pglite,postgres (default both; PostgreSQL needs LINEAGE_TEST_POSTGRES_URL)
  --history LIST          finished jobs of the history rows (default ${FULL_OPTIONS.historySizes.join(",")}; '' for none)
  --history-workers N     workers and population of the history rows (default ${FULL_OPTIONS.historyWorkers})
  --warmup-ms N           before each measured window (default ${FULL_OPTIONS.warmupMs})
  --measure-ms N          each measured window (default ${FULL_OPTIONS.measureMs})
  --out FILE              also write the figures as JSON to bench/results/FILE (e.g. scheduler.json);
                          without it nothing is written, so a trial run keeps the committed figures
  -h, --help              this text`;

if (isMain(import.meta.url)) {
  const values = parseCli(USAGE, {
    workers: { type: "string" },
    databases: { type: "string" },
    history: { type: "string" },
    "history-workers": { type: "string" },
    "warmup-ms": { type: "string" },
    "measure-ms": { type: "string" },
    out: { type: "string" },
  });
  const list = (name: string, fallback: number[]) => {
    const text = values[name] as string | undefined;
    return text === undefined
      ? fallback
      : text
          .split(",")
          .filter(Boolean)
          .map((n) => positiveInt(name, n, 0, USAGE));
  };
  const databases = ((values.databases as string | undefined)?.split(",").filter(Boolean) ?? FULL_OPTIONS.databases) as Kind[];
  if (databases.some((d) => d !== "pglite" && d !== "postgres"))
    usageError(`--databases: pglite, postgres or both, got ${JSON.stringify(values.databases)}`, USAGE);
  const opts: SchedulerBenchOptions = {
    ...FULL_OPTIONS,
    workerCounts: list("workers", FULL_OPTIONS.workerCounts),
    databases,
    warmupMs: positiveInt("warmup-ms", values["warmup-ms"] as string | undefined, FULL_OPTIONS.warmupMs, USAGE),
    measureMs: positiveInt("measure-ms", values["measure-ms"] as string | undefined, FULL_OPTIONS.measureMs, USAGE),
    historySizes: list("history", FULL_OPTIONS.historySizes),
    historyWorkers: positiveInt("history-workers", values["history-workers"] as string | undefined, FULL_OPTIONS.historyWorkers, USAGE),
  };
  const results = await runSchedulerBench(opts);
  console.log("\n" + formatSchedulerResults(results));
  if (typeof values.out === "string") console.log(`\nwrote ${writeResults(values.out, results)}`);
}
