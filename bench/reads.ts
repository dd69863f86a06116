// Heavy histories: what a socket join far behind costs, and what the dashboard's reads cost at a
// large history, each against a baseline in the same run on a server process (dashboard off).
//   - Joins on an experiment with a long event log: a join at the head (nothing to replay: the
//     baseline), one 1,000 events behind, three at afterSeq 0 (far behind), and, for reference,
//     reading the whole log through the paged HTTP API (what each join was sent before the
//     backlog was bounded). Bytes, time to the last event, server CPU and memory growth, and the
//     health check's latency meanwhile (from another process).
//   - The overview, the curves and the job list at a small history (the baseline) and a large one.
//
//   npm run bench:reads            (LINEAGE_TEST_POSTGRES_URL adds the PostgreSQL rows)
//   tsx bench/reads.ts --events 50000 --history 64x16,256x200
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { io as connect, type Socket } from "socket.io-client";
import { openDatabase, type Database } from "../server/db/client";
import { createPostgresDatabase } from "../server/testing/databases";
import { seedLargeExperiment } from "../server/testing/seedLargeExperiment";
import type { JoinAck } from "../server/realtime/eventStream";
import { seedEventLog } from "../server/testing/seedEventLog";
import { startPinger, type PingFigures } from "../server/testing/pinger";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import { isMain, machine, median, processCpuSeconds, processRssMiB, round, table, writeResults } from "./lib";

export type Kind = "pglite" | "postgres";

export interface ReadsBenchOptions {
  databases: Kind[];
  /** Events in the long log. */
  events: number;
  /** About this many bytes of JSON per event. */
  eventBytes: number;
  /** Joins at afterSeq 0 at once. */
  farJoins: number;
  /** Experiments of members × generations for the read-model rows; the first is the baseline. */
  histories: { members: number; generations: number }[];
  pointsPerJob: number;
  /** Fetches of each read model per history (after one warm-up). */
  fetches: number;
  log?: (line: string) => void;
}

export const FULL_OPTIONS: ReadsBenchOptions = {
  databases: ["pglite", "postgres"],
  events: 164_000,
  eventBytes: 600,
  farJoins: 3,
  histories: [
    { members: 64, generations: 16 },
    { members: 256, generations: 200 },
  ],
  pointsPerJob: 2,
  fetches: 5,
};

export interface JoinRow {
  database: Kind;
  case: string;
  clients: number;
  events: number;
  mb: number;
  ms: number;
  serverCpuSeconds: number;
  serverRssGrowthMiB: number;
  health: PingFigures;
}

export interface ReadRow {
  database: Kind;
  jobs: number;
  read: string;
  bytes: number;
  mb: number;
  /** Median of the fetches. */
  ms: number;
  serverCpuSeconds: number;
  healthMaxMs: number;
}

export interface ReadsResults {
  date: string;
  machine: ReturnType<typeof machine>;
  options: Omit<ReadsBenchOptions, "log">;
  skipped: string[];
  joins: JoinRow[];
  reads: ReadRow[];
}

const LOG_NAME = "long log";

async function freshStorage(kind: Kind): Promise<{ where: { databaseUrl?: string; dataDir?: string }; open(): Promise<Database>; drop(): Promise<void> }> {
  if (kind === "postgres") {
    const created = await createPostgresDatabase();
    return { where: { databaseUrl: created.url }, open: () => openDatabase({ url: created.url }), drop: created.drop };
  }
  // The server keeps its database in <LINEAGE_DATA_DIR>/db.
  const parent = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-reads-"));
  return {
    where: { dataDir: parent },
    open: () => openDatabase({ dataDir: path.join(parent, "db") }),
    drop: async () => rmSync(parent, { recursive: true, force: true }),
  };
}

/** Seeds a fresh database with `seed`, then starts a server process on it. */
async function serverWith(kind: Kind, seed: (db: Database) => Promise<unknown>) {
  const storage = await freshStorage(kind);
  const db = await storage.open();
  try {
    await seed(db);
  } finally {
    await db.close();
  }
  const server = await startServerProcess(storage.where);
  return {
    server,
    async stop() {
      await server.stop();
      await storage.drop();
    },
  };
}

/** Measures `work` on the server: wall time, server CPU, peak memory growth, health check latency. */
async function measure<T>(server: ServerProcess, work: () => Promise<T>) {
  const pid = server.child.pid;
  const pinger = startPinger(`${server.url}/api/v1/health`);
  await new Promise((r) => setTimeout(r, 300));
  const rss0 = processRssMiB(pid);
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, processRssMiB(pid))), 25);
  const cpu0 = processCpuSeconds(pid);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const cpu = processCpuSeconds(pid) - cpu0;
  clearInterval(sampler);
  peak = Math.max(peak, processRssMiB(pid));
  const health = await pinger.stop();
  return { result, ms: round(ms, 1), serverCpuSeconds: round(cpu, 2), serverRssGrowthMiB: round(peak - rss0, 1), health };
}

/** `clients` sockets join at `afterSeq` and wait for the log's last event; the events and bytes they got. */
async function joins(url: string, clients: number, afterSeq: number, head: number) {
  const sockets: Socket[] = [];
  try {
    const received = await Promise.all(
      Array.from({ length: clients }, async () => {
        const socket = connect(url, { transports: ["websocket"], forceNew: true });
        sockets.push(socket);
        let events = 0;
        let bytes = 0;
        let last = afterSeq;
        const done = new Promise<void>((resolve) => {
          socket.on("event", (e: { seq: number }) => {
            events++;
            bytes += JSON.stringify(e).length;
            last = e.seq;
            if (last >= head) resolve();
          });
        });
        const ack = await new Promise<JoinAck>((resolve) => socket.emit("join", { experiment: LOG_NAME, afterSeq }, resolve));
        if (!ack.ok) throw new Error(`join refused: ${ack.error.message}`);
        if (ack.afterSeq < head) await done;
        return { events, bytes };
      }),
    );
    return { events: received.reduce((n, r) => n + r.events, 0), bytes: received.reduce((n, r) => n + r.bytes, 0) };
  } finally {
    for (const s of sockets) s.disconnect();
  }
}

/** Every page of a list over HTTP, following the Link headers: the items and the bytes. */
async function wholeList(url: string, first: string) {
  let next: string | null = first;
  let items = 0;
  let bytes = 0;
  while (next) {
    const response: Response = await fetch(`${url}${next}`);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${next}: ${response.status} ${text.slice(0, 200)}`);
    items += (JSON.parse(text) as unknown[]).length;
    bytes += text.length;
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1] ?? null;
  }
  return { events: items, bytes };
}

async function joinRows(kind: Kind, opts: ReadsBenchOptions): Promise<JoinRow[]> {
  const log = opts.log ?? console.log;
  const seedStarted = performance.now();
  const { server, stop } = await serverWith(kind, (db) => seedEventLog(db.prisma, { name: LOG_NAME, events: opts.events, bytes: opts.eventBytes }));
  log(`${kind}: seeded ${opts.events} events in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
  const head = opts.events;
  const rows: JoinRow[] = [];
  try {
    // A first join: the process's first read of the log (query plans, code) is not measured.
    await joins(server.url, 1, head - 1, head);
    const cases: { name: string; clients: number; run: () => Promise<{ events: number; bytes: number }> }[] = [
      { name: "join at the head (baseline)", clients: 1, run: () => joins(server.url, 1, head, head) },
      { name: "join 1,000 behind", clients: 1, run: () => joins(server.url, 1, head - 1_000, head) },
      { name: "joins at afterSeq 0", clients: opts.farJoins, run: () => joins(server.url, opts.farJoins, 0, head) },
      {
        name: "whole log over HTTP (reference)",
        clients: 1,
        run: () => wholeList(server.url, `/api/v1/experiments/${encodeURIComponent(LOG_NAME)}/events?limit=1000`),
      },
    ];
    for (const c of cases) {
      const m = await measure(server, c.run);
      const row: JoinRow = {
        database: kind,
        case: c.name,
        clients: c.clients,
        events: m.result.events,
        mb: round(m.result.bytes / 1e6, 2),
        ms: m.ms,
        serverCpuSeconds: m.serverCpuSeconds,
        serverRssGrowthMiB: m.serverRssGrowthMiB,
        health: m.health,
      };
      rows.push(row);
      log(
        `${kind} ${c.name}: ${row.events} events, ${row.mb} MB in ${row.ms} ms, server ${row.serverCpuSeconds} CPU s, +${row.serverRssGrowthMiB} MiB; health p99 ${row.health.p99.toFixed(0)} ms, max ${row.health.max.toFixed(0)} ms`,
      );
    }
  } finally {
    await stop();
  }
  return rows;
}

async function readRows(kind: Kind, opts: ReadsBenchOptions): Promise<ReadRow[]> {
  const log = opts.log ?? console.log;
  const rows: ReadRow[] = [];
  for (const { members, generations } of opts.histories) {
    const name = `history ${members}x${generations}`;
    const jobs = members * generations;
    const seedStarted = performance.now();
    const { server, stop } = await serverWith(kind, (db) => seedLargeExperiment(db.prisma, { name, members, generations, pointsPerJob: opts.pointsPerJob }));
    log(`${kind}: seeded ${jobs} jobs in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
    try {
      const trpc = (procedure: string) => `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ name }))}`;
      const reads: { read: string; run: () => Promise<number> }[] = [
        { read: "dashboard.overview", run: () => fetchBytes(server.url, trpc("dashboard.overview")) },
        { read: "dashboard.curves", run: () => fetchBytes(server.url, trpc("dashboard.curves")) },
        { read: "jobs list, first page", run: () => fetchBytes(server.url, `/api/v1/experiments/${encodeURIComponent(name)}/jobs`) },
        { read: "jobs list, every page", run: async () => (await wholeList(server.url, `/api/v1/experiments/${encodeURIComponent(name)}/jobs`)).bytes },
      ];
      for (const r of reads) {
        await r.run(); // warm-up
        const m = await measure(server, async () => {
          const times: number[] = [];
          let bytes = 0;
          for (let i = 0; i < opts.fetches; i++) {
            const started = performance.now();
            bytes = await r.run();
            times.push(performance.now() - started);
          }
          return { times, bytes };
        });
        const row: ReadRow = {
          database: kind,
          jobs,
          read: r.read,
          bytes: m.result.bytes,
          mb: round(m.result.bytes / 1e6, 2),
          ms: round(median(m.result.times), 1),
          serverCpuSeconds: round(m.serverCpuSeconds / opts.fetches, 3),
          healthMaxMs: round(m.health.max, 0),
        };
        rows.push(row);
        log(`${kind} ${jobs} jobs ${r.read}: ${row.mb} MB, ${row.ms} ms (median), server ${row.serverCpuSeconds} CPU s each`);
      }
    } finally {
      await stop();
    }
  }
  return rows;
}

async function fetchBytes(url: string, p: string): Promise<number> {
  const response = await fetch(`${url}${p}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${p}: ${response.status} ${text.slice(0, 200)}`);
  return text.length;
}

export async function runReadsBench(opts: ReadsBenchOptions): Promise<ReadsResults> {
  const results: ReadsResults = {
    date: new Date().toISOString(),
    machine: machine(),
    options: { ...opts, log: undefined } as Omit<ReadsBenchOptions, "log">,
    skipped: [],
    joins: [],
    reads: [],
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
    results.joins.push(...(await joinRows(kind, opts)));
    results.reads.push(...(await readRows(kind, opts)));
  }
  return results;
}

export function formatReadsResults(r: ReadsResults): string {
  const lines: string[] = [];
  lines.push(
    table(
      ["database", "case", "clients", "events", "MB", "ms", "server CPU s", "server +MiB", "health p50", "health p99", "health max"],
      r.joins.map((j) => [
        j.database,
        j.case,
        j.clients,
        j.events,
        j.mb,
        j.ms,
        j.serverCpuSeconds,
        j.serverRssGrowthMiB,
        j.health.p50,
        j.health.p99,
        j.health.max,
      ]),
    ),
  );
  lines.push("");
  lines.push(
    table(
      ["database", "jobs", "read", "MB", "ms (median)", "server CPU s", "health max"],
      r.reads.map((x) => [x.database, x.jobs, x.read, x.mb, x.ms, x.serverCpuSeconds, x.healthMaxMs]),
    ),
  );
  if (r.skipped.length) lines.push(`\nskipped: ${r.skipped.join("; ")}`);
  lines.push(`\nmachine: ${r.machine.cpus} CPUs, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, load average at start ${r.machine.loadAverage.join(" ")}`);
  return lines.join("\n");
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      databases: { type: "string" },
      events: { type: "string" },
      history: { type: "string" },
      out: { type: "string", default: "reads.json" },
    },
  });
  const list = (s: string | undefined) => s?.split(",").filter(Boolean);
  const opts: ReadsBenchOptions = {
    ...FULL_OPTIONS,
    databases: (list(values.databases) as Kind[] | undefined) ?? FULL_OPTIONS.databases,
    events: Number(values.events ?? FULL_OPTIONS.events),
    histories:
      list(values.history)?.map((h) => {
        const [members, generations] = h.split("x").map(Number);
        return { members: members!, generations: generations! };
      }) ?? FULL_OPTIONS.histories,
  };
  const results = await runReadsBench(opts);
  console.log("\n" + formatReadsResults(results));
  console.log(`\nwrote ${writeResults(values.out!, results)}`);
  process.exit(0);
}
