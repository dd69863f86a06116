// The dashboard in a real browser (headless Chromium, the Next.js production build served by
// server/main.ts with LINEAGE_UI=on):
//   1. event-to-screen latency: simulated workers over HTTP keep jobs flowing on one experiment
//      while the experiment page is open; from a worker's `complete` call returning to the page
//      showing that job as done in the lineage tree (p50/p95). Baseline in the same run: a
//      socket.io client in Node receiving the same job's `job.finished` event (the server's push
//      alone, without the browser).
//   2. dashboard scale: experiments of members × generations seeded straight into a fresh
//      embedded database (createMany), then the time from navigation start to a fully drawn
//      experiment page, and the page's JS heap. Baseline: the same page for an empty experiment.
//
//   npm run bench:browser
//   tsx bench/browser.ts --workers 64 --measure-ms 30000 --scales 16x50,64x100,256x100
//   tsx bench/browser.ts --workers 8,64 --scales none        (latency only)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { io as ioClient } from "socket.io-client";
import { openDatabase } from "../server/db/client";
import { createPostgresDatabase, TEST_POSTGRES_URL_VAR } from "../server/testing/databases";
import { OVERVIEW_MAX_JOBS } from "../server/reads/dashboard/overview";
import { seedLargeExperiment } from "../server/testing/seedLargeExperiment";
import type { ExperimentConfigInput } from "../server/pbt/config";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import { chromiumLaunchOptions } from "../e2e/chromium";
import { createJsonClient, isMain, machine, median, parseCli, percentile, round, sleep, table, writeResults } from "./lib";

const ROOT = path.resolve(import.meta.dirname, "..");

export type Kind = "pglite" | "postgres";

export interface BrowserBenchOptions {
  /**
   * The latency runs: simulated workers on the experiment (its population has the same size),
   * and the server's database. PostgreSQL rows run only when LINEAGE_TEST_POSTGRES_URL is set.
   */
  latencyRuns: { workers: number; database: Kind; trainMs?: [number, number] }[];
  /**
   * Each worker "trains" for a uniform random time in this range (ms) between next-job and
   * complete, unless its run says otherwise. The target is judged on the runs that use this one.
   */
  trainMs: [number, number];
  /** Jobs must keep flowing this long after the page is drawn before the window starts. */
  latencyWarmupMs: number;
  /** Completes that return in this window are the samples. */
  latencyMeasureMs: number;
  /** After the workers stop: how long to wait for the last samples to reach the page. */
  latencyDrainMs: number;
  /** members × generations of the seeded experiments. */
  scales: { members: number; generations: number }[];
  pointsPerJob: number;
  /** Page loads measured per experiment (each in a fresh browser context), after one warm-up load. */
  loads: number;
  /** Also time the empty experiment page (the baseline); off only in the smoke test. */
  shell: boolean;
  log?: (line: string) => void;
}

export const FULL_OPTIONS: BrowserBenchOptions = {
  latencyRuns: [
    { workers: 8, database: "pglite" },
    { workers: 64, database: "pglite" },
    { workers: 64, database: "postgres" },
    // A stress run, not judged: jobs 10× shorter, about 200 finished jobs a second on this machine.
    { workers: 64, database: "pglite", trainMs: [20, 80] },
  ],
  // Half a second a job: 64 workers finish about 100 jobs a second (some 500 events a second),
  // far above a GPU cluster's rate, where a job is minutes of training.
  trainMs: [250, 750],
  latencyWarmupMs: 3_000,
  latencyMeasureMs: 20_000,
  latencyDrainMs: 4_000,
  scales: [
    { members: 16, generations: 50 },
    { members: 64, generations: 100 },
    { members: 256, generations: 100 },
    { members: 1000, generations: 100 },
  ],
  pointsPerJob: 10,
  loads: 3,
  shell: true,
};

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LatencyResult {
  workers: number;
  database: Kind;
  /** The workers' training time per job (ms, uniform in this range). */
  trainMs: [number, number];
  /** Jobs finished in the experiment when the window ended (the page redraws all of them). */
  jobsAtEnd: number;
  /** Completes that returned in the window. */
  completes: number;
  completesPerSecond: number;
  /** Socket.io delivery to a Node client: job.finished received − complete returned (can be < 0). */
  socket: LatencySummary;
  /** Page: the lineage tree first drew the job as done (its canvas' draw event) − complete returned. */
  pageDom: LatencySummary;
  /** Page: the next animation frame after that DOM change (≈ painted) − complete returned. */
  pageFrame: LatencySummary;
  /**
   * What the page waits for after an event: the experiment's overview read model
   * (tRPC dashboard.overview, what the page refetches), fetched from Node in a loop during the
   * window; its duration under the workers' load.
   */
  overviewFetch: LatencySummary;
  /** Completes in the window the page never showed as done before the drain ended. */
  pageMissing: number;
  socketMissing: number;
  /** Server process CPU during the window, in cores. */
  serverCpuCores: number;
  errors: number;
}

export interface ScaleRow {
  members: number;
  generations: number;
  jobs: number;
  metricPoints: number;
  seedSeconds: number;
  /** Navigation start → first animation frame in which the curves, the tree and the table are complete (ms). */
  firstLoadMs: number;
  /** Median over `loads` loads after the first. */
  drawnMs: number;
  drawnMsAll: number[];
  /** Median: navigation start → the tree and the table drawn (the curves may still be loading). */
  openedMs: number;
  /** Median over the loads of the median over 5 jobs: pointer on a tree node → its card drawn. */
  hoverMs: number;
  /** The same for the curves: pointer at an x → every member's value listed. */
  curvesHoverMs: number;
  /** Click on a tree node → the tree, the curves and the trace bar show its lineage traced. */
  traceMs: number;
  /** JSHeapUsedSize (CDP Performance.getMetrics) 1 s after drawn, MiB; median over the loads. */
  jsHeapMiB: number;
  /** DOM nodes in the page at that time. */
  domNodes: number;
}

export interface BrowserResults {
  benchmark: "browser";
  date: string;
  machine: ReturnType<typeof machine>;
  options: Omit<BrowserBenchOptions, "log">;
  latency: LatencyResult[];
  skipped: string[];
  /** The empty experiment page (the app shell with no data) and the seeded experiments. */
  shell: ScaleRow | null;
  scale: ScaleRow[];
  targets: { name: string; value: number; target: string; met: boolean }[];
}

// ---------------------------------------------------------------------------------------------

const summary = (samples: number[]): LatencySummary => ({
  count: samples.length,
  p50: round(percentile(samples, 50), 1),
  p95: round(percentile(samples, 95), 1),
  max: round(samples.length ? Math.max(...samples) : NaN, 1),
});

/** Epoch milliseconds with sub-millisecond resolution (the same clock as the page's timeOrigin + now()). */
const epochNow = () => performance.timeOrigin + performance.now();

function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Builds the dashboard when `.next/BUILD_ID` is missing or older than its sources (as `npm start` does). */
export async function ensureDashboardBuild(log: (line: string) => void) {
  const { spawnSync } = await import("node:child_process");
  const newest = (target: string): number => {
    if (!existsSync(target)) return 0;
    const stat = statSync(target);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...readdirSync(target).map((e) => newest(path.join(target, e))));
  };
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const changedAt = Math.max(...["app", "components", "next.config.js", "postcss.config.mjs"].map((s) => newest(path.join(ROOT, s))));
  if (builtAt > changedAt) return;
  log("building the dashboard (next build)…");
  const result = spawnSync("npx", ["next", "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new Error("next build failed");
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions);
}

const UI_ENV = {
  LINEAGE_UI: "on",
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  LINEAGE_REAPER_INTERVAL_MS: "1000",
  LINEAGE_RETRY_AFTER_SECONDS: "0.1",
};

const experimentPath = (name: string) => `/experiments/${encodeURIComponent(name)}`;

// ---------------------------------------------------------------------------------------------
// 1. Event-to-screen latency

/**
 * In the page, from the first script on: when each job is first drawn as done in the lineage tree.
 * The tree is a canvas that announces each draw (the "lineage-tree-drawn" event) and carries the
 * scene it drew; the first draw that shows a job done stamps it, and the next animation frame
 * (≈ painted) too.
 */
const DONE_OBSERVER = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const seen = (window.__lineageDone = {});
  document.addEventListener("lineage-tree-drawn", (event) => {
    const drawn = event.target.lineageTree;
    if (!drawn) return;
    const t = now();
    const batch = [];
    for (const n of drawn.scene.nodes) {
      if (n.job.status !== "done" || n.job.id in seen) continue;
      seen[n.job.id] = [t, 0];
      batch.push(n.job.id);
    }
    if (batch.length) requestAnimationFrame(() => { const f = now(); for (const id of batch) seen[id][1] = f; });
  }, true);
})();`;

function latencyConfig(name: string, population: number): ExperimentConfigInput {
  return {
    name,
    objective: "maximize",
    metric: "score",
    populationSize: population,
    // Not reached in the window, even at the scheduler's full speed (about 1,000 jobs/s with
    // 64 workers and no training time).
    stop: { maxGenerations: 1000 },
    mode: "async",
    exploit: { kind: "truncate", fraction: 0.2 },
    hyperparameters: {
      lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb", minFactor: 0.8, maxFactor: 1.2 } },
    },
    leaseSeconds: 300,
    maxRetries: 3,
    seed: 1,
  };
}

export async function latencyRun(browser: Browser, workers: number, database: Kind, opts: BrowserBenchOptions): Promise<LatencyResult> {
  const log = opts.log ?? (() => {});
  const pg = database === "postgres" ? await createPostgresDatabase() : null;
  const server = await startServerProcess({ ...(pg ? { databaseUrl: pg.url } : {}), env: UI_ENV });
  const client = createJsonClient();
  const socket = ioClient(server.url, { transports: ["websocket"] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const name = "bench live latency";
    const created = await client.post(`${server.url}/api/v1/experiments`, latencyConfig(name, workers));
    if (created.status !== 200 && created.status !== 201) throw new Error(`create experiment: ${created.status} ${JSON.stringify(created.body)}`);

    // The baseline: a socket.io client in this process, joined like the dashboard.
    const socketAt = new Map<number, number>();
    socket.on("event", (e: { type: string; jobId: number | null }) => {
      if (e.type === "job.finished" && e.jobId !== null && !socketAt.has(e.jobId)) socketAt.set(e.jobId, epochNow());
    });
    await new Promise<void>((resolve, reject) => {
      socket.emit("join", { experiment: name, afterSeq: 0 }, (ack: { ok: boolean; error?: { message: string } }) =>
        ack.ok ? resolve() : reject(new Error(`join: ${ack.error?.message}`)),
      );
    });

    // The workers: next-job → "training" → one metric point → complete.
    const completedAt = new Map<number, number>();
    let stopped = false;
    let errors = 0;
    let firstError: string | undefined;
    const base = `${server.url}/api/v1`;
    const encoded = encodeURIComponent(name);
    const worker = async (w: number) => {
      while (!stopped) {
        try {
          const next = await client.post(`${base}/experiments/${encoded}/next-job`, { workerId: `bench-${w}` });
          if (next.status !== 200) throw new Error(`next-job ${next.status} ${JSON.stringify(next.body).slice(0, 200)}`);
          if (next.body.status === "done") return;
          if (next.body.status === "wait") {
            await sleep(100);
            continue;
          }
          const { job, leaseToken } = next.body;
          await sleep(opts.trainMs[0] + Math.random() * (opts.trainMs[1] - opts.trainMs[0]));
          const score = job.generation + Math.random();
          await client.post(`${base}/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: job.generation, values: { score } }] });
          const done = await client.post(`${base}/jobs/${job.id}/complete`, { leaseToken, results: { score } });
          if (done.status !== 200) throw new Error(`complete ${done.status} ${JSON.stringify(done.body).slice(0, 200)}`);
          completedAt.set(job.id, epochNow());
        } catch (error) {
          errors++;
          firstError ??= String(error);
          await sleep(50);
        }
      }
    };
    // The page is opened before the workers start (a page load queues behind 64 workers' calls
    // on the one database connection), then kept open while the jobs flow.
    const page = await context.newPage();
    await page.addInitScript(DONE_OBSERVER);
    await page.goto(`${server.url}${experimentPath(name)}`, { waitUntil: "domcontentloaded", timeout: 120_000 });
    await page.locator('[data-testid="lineage-tree"]').waitFor({ timeout: 120_000 });
    const loops = Array.from({ length: workers }, (_, w) => worker(w));
    // Until the page shows a first finished job (at most 30 s: a page that stops updating under
    // load is a result too, counted as missing samples), then the warm-up.
    await page
      .waitForFunction(() => Object.keys((window as unknown as { __lineageDone: object }).__lineageDone).length > 0, undefined, {
        timeout: 30_000,
        polling: 100,
      })
      .catch(() => log("  the page shows no finished job after 30 s; measuring anyway"));
    await sleep(opts.latencyWarmupMs);
    const windowStart = epochNow();
    const cpuStart = processCpuSeconds(server.child.pid);
    log(`latency: ${workers} workers on ${database}, measuring ${opts.latencyMeasureMs / 1000} s…`);
    const overviewUrl = `${server.url}/api/trpc/dashboard.overview?input=${encodeURIComponent(JSON.stringify({ name }))}`;
    const overviewMs: number[] = [];
    const overviewLoop = (async () => {
      while (epochNow() < windowStart + opts.latencyMeasureMs) {
        const t = performance.now();
        const answer = await fetch(overviewUrl);
        await answer.arrayBuffer();
        if (answer.ok) overviewMs.push(performance.now() - t);
        else errors++;
        await sleep(250);
      }
    })();
    await sleep(opts.latencyMeasureMs);
    const windowEnd = epochNow();
    const cpu = processCpuSeconds(server.child.pid) - cpuStart;
    stopped = true;
    await Promise.all(loops);
    await overviewLoop;
    await sleep(opts.latencyDrainMs);
    const pageAt = (await page.evaluate(() => (window as unknown as { __lineageDone: Record<string, [number, number]> }).__lineageDone)) ?? {};
    if (errors > 0) console.warn(`[bench] ${errors} worker errors; first: ${firstError}`);

    const inWindow = [...completedAt].filter(([, t]) => t >= windowStart && t < windowEnd);
    const socketLatency: number[] = [];
    const dom: number[] = [];
    const frame: number[] = [];
    let pageMissing = 0;
    let socketMissing = 0;
    for (const [id, t] of inWindow) {
      const s = socketAt.get(id);
      if (s === undefined) socketMissing++;
      else socketLatency.push(s - t);
      const p = pageAt[String(id)];
      if (!p) pageMissing++;
      else {
        dom.push(p[0] - t);
        frame.push((p[1] || p[0]) - t);
      }
    }
    const seconds = (windowEnd - windowStart) / 1000;
    return {
      workers,
      database,
      trainMs: opts.trainMs,
      jobsAtEnd: [...completedAt.values()].filter((t) => t < windowEnd).length,
      completes: inWindow.length,
      completesPerSecond: round(inWindow.length / seconds, 1),
      socket: summary(socketLatency),
      pageDom: summary(dom),
      pageFrame: summary(frame),
      overviewFetch: summary(overviewMs),
      pageMissing,
      socketMissing,
      serverCpuCores: round(cpu / seconds, 2),
      errors,
    };
  } finally {
    socket.close();
    client.close();
    await context.close();
    await server.stop();
    await pg?.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Dashboard scale

/**
 * In the page, from the first script on: checks every animation frame whether the experiment page
 * is fully drawn, and records the next frame's time (ms since navigation start) in __lineageDrawn.
 * Fully drawn = the score curves' canvas drew a line per member (an empty experiment: says it has
 * no points), the lineage tree's canvas a node per job it was sent, the population table a row
 * per member. Opened (__lineageOpened) = the same without the curves, which come from their own,
 * heavier read.
 */
const drawnProbe = (members: number, jobs: number) => `(() => {
  const members = ${members}, jobs = ${jobs};
  const check = (t) => {
    const curves = document.querySelector('[data-testid="curves-canvas"]');
    const figure = document.querySelector('[data-testid="score-curves"]');
    const tree = document.querySelector('[data-testid="lineage-tree-canvas"]');
    const treeOk = tree && tree.lineageTree && tree.lineageTree.scene.nodes.length === jobs &&
      document.querySelectorAll('tr[data-member]').length === members;
    const curvesOk = members === 0
      ? figure && figure.textContent.includes("No points yet")
      : curves && curves.lineageCurves && curves.lineageCurves.lines === members;
    // Drawn is the start of the next frame: the one in which this frame's paint is done.
    if (treeOk && window.__lineageOpened === undefined) requestAnimationFrame((next) => (window.__lineageOpened ??= next));
    if (treeOk && curvesOk) requestAnimationFrame((next) => (window.__lineageDrawn = next));
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

// A string, as the probes above: tsx's compiled functions refer to helpers the page does not have.
const INTERACTION_SCRIPT = (tries: number) => `(async () => {
  const tries = ${tries};
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  const until = async (ok) => {
    for (let i = 0; i < 600 && !ok(); i++) await frame();
    return frame();
  };
  const treeCanvas = document.querySelector('[data-testid="lineage-tree-canvas"]');
  const overlay = document.querySelector('[data-testid="lineage-tree-overlay"]');
  const curves = document.querySelector('[data-testid="curves-canvas"]');
  const curvesOverlay = document.querySelector('[data-testid="curves-overlay"]');
  const nodes = treeCanvas.lineageTree.scene.nodes.filter((n) => !n.superseded);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const at = (el, x, y, type) => {
    const box = el.getBoundingClientRect();
    el.dispatchEvent(new MouseEvent(type, { clientX: box.left + x, clientY: box.top + y, bubbles: true }));
  };
  const hover = [], trace = [], curvesHover = [];
  for (let i = 0; i < tries; i++) {
    const node = nodes[Math.floor(((i + 0.5) / tries) * nodes.length)];
    const id = node.job.id;
    treeCanvas.parentElement.parentElement.scrollTop = Math.max(0, node.y - 200);
    await frame();
    let t0 = performance.now();
    at(overlay, node.x, node.y, "mousemove");
    hover.push((await until(() => (document.querySelector('[data-testid="lineage-tree"] [role=tooltip]')?.textContent ?? "").includes("Job #" + id))) - t0);
    // The click traces the job: the tree, the curves and the trace bar follow.
    t0 = performance.now();
    at(overlay, node.x, node.y, "click");
    trace.push((await until(() =>
      !!(treeCanvas.lineageTree.traced && treeCanvas.lineageTree.traced.has(id)) &&
      document.querySelector('[data-testid="traced-job"]')?.textContent === "job #" + id &&
      (!curves || (curves.lineageCurves && curves.lineageCurves.tracedJob === id)))) - t0);
    at(overlay, node.x, node.y, "mouseleave");
    if (curvesOverlay) {
      const box = curvesOverlay.getBoundingClientRect();
      t0 = performance.now();
      at(curvesOverlay, box.width * (0.2 + (0.6 * i) / Math.max(1, tries - 1)), box.height / 2, "mousemove");
      curvesHover.push((await until(() => !!document.querySelector('[data-testid="curves-hover"]'))) - t0);
      at(curvesOverlay, 0, 0, "mouseleave");
      await frame();
    }
  }
  return { hoverMs: median(hover), curvesHoverMs: curvesHover.length ? median(curvesHover) : NaN, traceMs: median(trace) };
})()`;

/**
 * In the page: how long a hover and a trace take to reach the screen, on a drawn page. Each is a
 * pointer event dispatched on the canvas at a job's node (or at an x of the curves), timed to the
 * first animation frame after the page shows the answer: the job's card (tree hover), the list of
 * members' values (curves hover), the tree, the curves and the trace bar showing the job's
 * lineage (trace). Median over `tries` jobs spread over the tree.
 */
async function interactionTimes(page: Page, tries: number): Promise<{ hoverMs: number; curvesHoverMs: number; traceMs: number }> {
  return page.evaluate(INTERACTION_SCRIPT(tries));
}

async function loadPage(
  browser: Browser,
  url: string,
  members: number,
  jobs: number,
  interact = false,
): Promise<{ drawnMs: number; openedMs: number; heapMiB: number; domNodes: number; hoverMs: number; curvesHoverMs: number; traceMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(drawnProbe(members, jobs));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(() => typeof (window as unknown as { __lineageDrawn?: number }).__lineageDrawn === "number", undefined, {
      timeout: 180_000,
      polling: 100,
    });
    const { drawnMs, openedMs } = await page.evaluate(() => {
      const w = window as unknown as { __lineageDrawn: number; __lineageOpened: number };
      return { drawnMs: w.__lineageDrawn, openedMs: w.__lineageOpened };
    });
    await sleep(1_000);
    const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
    const metric = (n: string) => metrics.find((m) => m.name === n)?.value ?? NaN;
    const times = interact && members > 0 ? await interactionTimes(page, 5) : { hoverMs: NaN, curvesHoverMs: NaN, traceMs: NaN };
    return {
      drawnMs: round(drawnMs, 0),
      openedMs: round(openedMs, 0),
      heapMiB: round(metric("JSHeapUsedSize") / 2 ** 20, 1),
      domNodes: metric("Nodes"),
      hoverMs: round(times.hoverMs, 0),
      curvesHoverMs: round(times.curvesHoverMs, 0),
      traceMs: round(times.traceMs, 0),
    };
  } finally {
    await context.close();
  }
}

export async function scaleRun(browser: Browser, members: number, generations: number, opts: BrowserBenchOptions): Promise<ScaleRow> {
  const parent = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-ui-"));
  let server: ServerProcess | undefined;
  try {
    const name = members === 0 ? "bench empty" : `bench ${members}x${generations}`;
    const t0 = performance.now();
    {
      // The server keeps its embedded database in <LINEAGE_DATA_DIR>/db.
      mkdirSync(path.join(parent, "db"), { recursive: true });
      const db = await openDatabase({ dataDir: path.join(parent, "db") });
      try {
        if (members === 0) {
          await db.prisma.experiment.create({ data: { name, config: latencyConfig(name, 8) as object, status: "running" } });
        } else {
          await seedLargeExperiment(db.prisma, { name, members, generations, pointsPerJob: opts.pointsPerJob });
        }
      } finally {
        await db.close();
      }
    }
    const seedSeconds = round((performance.now() - t0) / 1000, 1);
    server = await startServerProcess({ dataDir: parent, env: UI_ENV });
    const url = `${server.url}${experimentPath(name)}`;
    const jobs = members * generations;
    // Past OVERVIEW_MAX_JOBS the page gets (and the tree draws) each member's latest jobs only.
    const drawn = jobs <= OVERVIEW_MAX_JOBS ? jobs : members * Math.min(generations, Math.floor(OVERVIEW_MAX_JOBS / members));
    const first = await loadPage(browser, url, members, drawn);
    const loads = [];
    for (let i = 0; i < opts.loads; i++) loads.push(await loadPage(browser, url, members, drawn, true));
    return {
      members,
      generations,
      jobs,
      metricPoints: jobs * opts.pointsPerJob,
      seedSeconds,
      firstLoadMs: first.drawnMs,
      drawnMs: round(median(loads.map((l) => l.drawnMs)), 0),
      drawnMsAll: loads.map((l) => l.drawnMs),
      openedMs: round(median(loads.map((l) => l.openedMs)), 0),
      hoverMs: round(median(loads.map((l) => l.hoverMs)), 0),
      curvesHoverMs: round(median(loads.map((l) => l.curvesHoverMs)), 0),
      traceMs: round(median(loads.map((l) => l.traceMs)), 0),
      jsHeapMiB: round(median(loads.map((l) => l.heapMiB)), 1),
      domNodes: median(loads.map((l) => l.domNodes)),
    };
  } finally {
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

export async function runBrowserBench(opts: BrowserBenchOptions): Promise<BrowserResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = machine();
  await ensureDashboardBuild(log);
  const browser = await launchBrowser();
  try {
    const latency: LatencyResult[] = [];
    const skipped: string[] = [];
    for (const run of opts.latencyRuns) {
      if (run.database === "postgres" && !process.env[TEST_POSTGRES_URL_VAR]) {
        skipped.push(`latency with ${run.workers} workers on PostgreSQL: ${TEST_POSTGRES_URL_VAR} is not set`);
        continue;
      }
      const row = await latencyRun(browser, run.workers, run.database, { ...opts, trainMs: run.trainMs ?? opts.trainMs, log });
      log(`  socket p50 ${row.socket.p50} ms, page p50 ${row.pageFrame.p50} / p95 ${row.pageFrame.p95} ms`);
      latency.push(row);
    }
    log("empty experiment page…");
    const shell = opts.shell ? await scaleRun(browser, 0, 0, opts) : null;
    const scale: ScaleRow[] = [];
    for (const { members, generations } of opts.scales) {
      log(`${members} × ${generations}…`);
      const row = await scaleRun(browser, members, generations, opts);
      log(`  drawn in ${row.drawnMs} ms (seeded in ${row.seedSeconds} s)`);
      scale.push(row);
    }
    const targets: BrowserResults["targets"] = [];
    const standard = (l: LatencyResult) => l.trainMs[0] === opts.trainMs[0] && l.trainMs[1] === opts.trainMs[1];
    for (const l of latency.filter((x) => x.workers === 64 && standard(x))) {
      targets.push({ name: `event-to-screen p95, 64 workers, ${l.database} (ms)`, value: l.pageFrame.p95, target: "≤ 300", met: l.pageFrame.p95 <= 300 });
    }
    const mid = scale.find((s) => s.members === 256 && s.generations === 100);
    if (mid) targets.push({ name: "fully drawn 256×100 (ms)", value: mid.drawnMs, target: "≤ 2000", met: mid.drawnMs <= 2000 });
    const large = scale.find((s) => s.members === 1000 && s.generations === 100);
    if (large) {
      targets.push({ name: "1,000×100 opened: tree and table drawn (ms)", value: large.openedMs, target: "≤ 5000", met: large.openedMs <= 5000 });
      targets.push({ name: "1,000×100 fully drawn, curves included (ms)", value: large.drawnMs, target: "≤ 5000", met: large.drawnMs <= 5000 });
      const slowest = Math.max(large.hoverMs, large.curvesHoverMs, large.traceMs);
      targets.push({ name: "1,000×100 hover / trace on screen, slowest median (ms)", value: slowest, target: "≤ 100", met: slowest <= 100 });
    }
    return {
      benchmark: "browser",
      date: new Date().toISOString(),
      machine: started,
      options: { ...opts, log: undefined } as Omit<BrowserBenchOptions, "log">,
      latency,
      skipped,
      shell,
      scale,
      targets,
    };
  } finally {
    await browser.close();
  }
}

export function formatBrowserResults(r: BrowserResults): string {
  const lat = r.latency.map((l) =>
    [
      `${l.workers} workers on ${l.database}, jobs of ${l.trainMs[0]}–${l.trainMs[1]} ms: ${l.completes} completes in the window (${l.completesPerSecond}/s), ${l.jobsAtEnd} jobs done at its end, server ${l.serverCpuCores} cores`,
      table(
        ["measured from complete returning to", "samples", "p50 ms", "p95 ms", "max ms", "missing"],
        [
          ["socket.io event in Node (baseline)", l.socket.count, l.socket.p50, l.socket.p95, l.socket.max, l.socketMissing],
          ["page: tree node done (DOM)", l.pageDom.count, l.pageDom.p50, l.pageDom.p95, l.pageDom.max, l.pageMissing],
          ["page: next frame (drawn)", l.pageFrame.count, l.pageFrame.p50, l.pageFrame.p95, l.pageFrame.max, l.pageMissing],
          ["(overview fetch duration, from Node)", l.overviewFetch.count, l.overviewFetch.p50, l.overviewFetch.p95, l.overviewFetch.max, ""],
        ],
      ),
    ].join("\n"),
  );
  const scale = table(
    [
      "experiment",
      "jobs",
      "metric points",
      "first load ms",
      "opened ms",
      "drawn ms (median)",
      "tree hover ms",
      "curves hover ms",
      "trace ms",
      "JS heap MiB",
      "DOM nodes",
    ],
    [...(r.shell ? [r.shell] : []), ...r.scale].map((s) => [
      s.members === 0 ? "empty (app shell)" : `${s.members} × ${s.generations}`,
      s.jobs,
      s.metricPoints,
      s.firstLoadMs,
      s.openedMs,
      s.drawnMs,
      s.hoverMs,
      s.curvesHoverMs,
      s.traceMs,
      s.jsHeapMiB,
      s.domNodes,
    ]),
  );
  const targets = r.targets.map((t) => `${t.met ? "met    " : "NOT met"}  ${t.name}: ${t.value} (target ${t.target})`).join("\n");
  return [
    "Event-to-screen latency",
    ...lat,
    ...r.skipped.map((s) => `skipped: ${s}`),
    "",
    "Dashboard scale: navigation start → curves, tree and table fully drawn",
    scale,
    "",
    targets,
  ].join("\n");
}

const USAGE = `usage: tsx bench/browser.ts [--workers LIST|none] [--databases LIST] [--scales LIST|none] [--loads N]
                           [--measure-ms N] [--train-ms LOW-HIGH] [--out FILE]

Live updates in the browser (event-to-screen latency next to the socket.io event in Node) and the
experiment page at scale (navigation start to fully drawn, hover and trace), in Chromium against a
production build.

  --workers LIST      worker counts of the latency rows; none: the scale rows only
  --databases LIST    pglite,postgres for the latency rows (PostgreSQL needs LINEAGE_TEST_POSTGRES_URL)
  --scales LIST       members x generations of the seeded experiments (e.g. 256x100,1000x100); none: latency only
  --loads N           page loads per experiment (the median is reported)
  --measure-ms N      each latency window
  --train-ms LOW-HIGH simulated training time of a job
  --out FILE          write the figures as JSON to bench/results/FILE (default browser.json)
  -h, --help          this text`;

if (isMain(import.meta.url)) {
  const values = parseCli(USAGE, {
    workers: { type: "string" },
    "measure-ms": { type: "string" },
    scales: { type: "string" },
    loads: { type: "string" },
    databases: { type: "string" },
    "train-ms": { type: "string" },
    out: { type: "string", default: "browser.json" },
  }) as Record<string, string | undefined>;
  const opts: BrowserBenchOptions = { ...FULL_OPTIONS };
  if (values.workers === "none") {
    opts.latencyRuns = []; // dashboard scale only
  } else if (values.workers || values.databases) {
    const counts = values.workers?.split(",").map(Number) ?? [...new Set(FULL_OPTIONS.latencyRuns.map((r) => r.workers))];
    const databases = (values.databases?.split(",") as Kind[] | undefined) ?? ["pglite", "postgres"];
    opts.latencyRuns = databases.flatMap((database) => counts.map((workers) => ({ workers, database })));
  }
  if (values["train-ms"]) {
    const [low, high] = values["train-ms"].split("-").map(Number);
    opts.trainMs = [low!, high ?? low!];
  }
  if (values["measure-ms"]) opts.latencyMeasureMs = Number(values["measure-ms"]);
  if (values.loads) opts.loads = Number(values.loads);
  if (values.scales === "none") {
    // Latency only: no seeded experiments, and no empty page to compare them with.
    opts.scales = [];
    opts.shell = false;
  } else if (values.scales) {
    opts.scales = values.scales.split(",").map((s) => {
      const [members, generations] = s.split("x").map(Number);
      return { members: members!, generations: generations! };
    });
  }
  const results = await runBrowserBench(opts);
  console.log("\n" + formatBrowserResults(results));
  const file = writeResults(values.out!, results);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}
