// Tiny runs of every benchmark (seconds), so they cannot rot: the output has the documented shape
// and the figures are sane. The real figures come from `npm run bench` (bench/README.md).
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";
import { describe, expect, it } from "vitest";
import { formatSchedulerResults, runSchedulerBench } from "./scheduler";
import { formatQualityResults, pb2Pairs, runLrRandom, runQualityBench, SMALL_POPULATION_METHODS } from "./quality";
import { lrTrainStep } from "../examples/toy/lrSchedule";
import { createRng } from "../server/pbt/rng";
import { FULL_OPTIONS as BROWSER_FULL, formatBrowserResults, runBrowserBench } from "./browser";
import { formatMnistResults, mnistConfig, runMnistBench } from "./mnist";
import { formatReadsResults, runReadsBench } from "./reads";
import { formatLoadResults, QUICK_LOAD_OPTIONS, runLoadBench } from "./load";

const quiet = () => {};

// The browser benchmark needs Chromium; npm test says when it is missing (and CI installs it).
const noBrowser = !existsSync("/usr/bin/chromium") && !existsSync(chromium.executablePath());
if (noBrowser && process.env.CI && process.env.CI !== "false") throw new Error("CI=true but there is no Chromium for the browser benchmark");

describe("bench smoke", () => {
  it("scheduler: throughput, raw-database baseline and history rows on PGlite", async () => {
    const r = await runSchedulerBench({
      workerCounts: [4],
      databases: ["pglite"],
      twoServers: false,
      warmupMs: 1_000,
      measureMs: 1_500,
      baselineJobs: 1_500,
      historySizes: [40],
      historyWorkers: 4,
      log: quiet,
    });
    expect(r.throughput).toHaveLength(1);
    const row = r.throughput[0]!;
    expect(row).toMatchObject({ database: "pglite", servers: 1, workers: 4, errors: 0 });
    expect(row.cycles).toBeGreaterThan(0);
    expect(row.nextJobMs.p50).toBeGreaterThan(0);
    expect(row.nextJobMs.p99).toBeGreaterThanOrEqual(row.nextJobMs.p50);
    expect(row.completeMs.count).toBeGreaterThan(0);
    expect(r.baseline[0]!.cyclesPerSecond).toBeGreaterThan(0);
    expect(r.fractionOfBaseline[0]!.fraction).toBeGreaterThan(0);
    expect(r.history[0]).toMatchObject({ history: 40, workers: 4, errors: 0 });
    expect(r.history[0]!.cycles).toBeGreaterThan(0);
    expect(r.history[0]!.loadPopulationMs).toBeGreaterThan(0);
    expect(r.history[0]!.idleNextJobMs).toBeGreaterThan(0);
    expect(formatSchedulerResults(r)).toMatch(/cycles\/s/);
  }, 180_000);

  it("load: windows of throughput, latency, health check and memory, and a viewer joining with afterSeq 0", async () => {
    const r = await runLoadBench({ ...QUICK_LOAD_OPTIONS, log: quiet });
    expect(r.runs).toHaveLength(1);
    const run = r.runs[0]!;
    expect(run).toMatchObject({ database: "pglite", workers: QUICK_LOAD_OPTIONS.workers, errors: 0 });
    expect(run.jobs).toBeGreaterThanOrEqual(QUICK_LOAD_OPTIONS.targetJobs);
    expect(run.windows.length).toBeGreaterThanOrEqual(QUICK_LOAD_OPTIONS.minWindows);
    for (const w of run.windows) {
      expect(w.jobsPerSecond).toBeGreaterThan(0);
      expect(w.nextJobMs.p99).toBeGreaterThanOrEqual(w.nextJobMs.p50);
      expect(w.healthMs.count).toBeGreaterThan(0);
      expect(w.maxRssMiB).toBeGreaterThan(50);
    }
    expect(run.idleHealthMs.count).toBeGreaterThan(0);
    // The viewer joined in the second window, behind every event so far: answered, then sent the backlog.
    const viewer = run.viewer!;
    const ack = viewer.ack as { ok: boolean; lastEventSeq: number; afterSeq: number; reload: boolean };
    expect(ack.ok).toBe(true);
    // All of it, or (past the server's cap) its end and a signal to reload the snapshot.
    expect(ack.reload).toBe(ack.afterSeq > 0);
    expect(viewer.answerMs).toBeGreaterThan(0);
    expect(viewer.backlogMs).toBeGreaterThanOrEqual(viewer.answerMs!);
    expect(viewer.backlogEvents).toBe(ack.lastEventSeq - ack.afterSeq);
    expect(viewer.backlogBytes).toBeGreaterThan(0);
    expect(viewer.healthDuring.count).toBeGreaterThan(0);
    expect(r.targets.map((t) => t.name)).toContain("pglite: health p99 ms while a viewer joins with afterSeq 0");
    expect(formatLoadResults(r)).toMatch(/jobs\/s/);
  }, 120_000);

  it("quality: the toy problem's variants, the LR-schedule toy, the moving optimum and PB2's decision time", async () => {
    const r = await runQualityBench({ seeds: 1, toyGenerations: 8, lrMaxSteps: 40, reproducibilityGenerations: 8, log: quiet });
    expect(r.toy.map((t) => t.variant)).toEqual(["pbt", "grid", "explore-only", "exploit-only", "pbt-async"]);
    for (const t of r.toy) {
      expect(t.perSeed).toHaveLength(1);
      // Q = 1.2 − |θ|² starts at 1.2 − 1.62 and can only approach 1.2.
      expect(t.finalQ.min).toBeGreaterThan(-0.42);
      expect(t.finalQ.max).toBeLessThanOrEqual(1.2);
    }
    // Grid search with the paper's fixed h cannot beat PBT on this problem.
    expect(r.toy.find((t) => t.variant === "pbt")!.finalQ.mean).toBeGreaterThan(r.toy.find((t) => t.variant === "grid")!.finalQ.mean);
    expect(r.lrSchedule.map((l) => l.method)).toEqual(["pbt", "pbt-2-crashing", "random-search", ...SMALL_POPULATION_METHODS]);
    // The moving optimum runs the whole budget: 40 steps of 4 members, a true accuracy of at most 1 a step.
    expect(r.movingOptimum.map((m) => m.method)).toEqual(["pbt-4", "pb2-4"]);
    for (const m of r.movingOptimum) {
      expect(m).toMatchObject({ runs: 1, reached: 0, populationStepsToReach: null });
      expect(m.finalAccuracy.min).toBeGreaterThanOrEqual(0);
      expect(m.finalAccuracy.max).toBeLessThanOrEqual(40);
    }
    expect(pb2Pairs(r).map((p) => p.pb2Sooner + p.pbtSooner + p.ties)).toEqual([1, 1, 1]);
    expect(r.decisionTimes).toMatchObject({ members: 64, generations: 100, historyPoints: 64 * 99 });
    expect(r.decisionTimes.pb2FitMs).toBeGreaterThan(0);
    // The same seed with 1 worker and 8 interleaved workers: sync makes identical records.
    expect(r.reproducibility.find((x) => x.mode === "sync")).toMatchObject({ runs: 1, identical: 1, meanDiffering: 0 });
    for (const l of r.lrSchedule) expect(l.bestAccuracy.min).toBeGreaterThanOrEqual(0);
    expect(formatQualityResults(r)).toMatch(/Moving optimum/);
  }, 180_000);

  it("the LR toy matches Ray's dynamics: progress near the optimal lr, none far from it", () => {
    const rng = createRng(3);
    let good = 0;
    let bad = 0;
    for (let i = 0; i < 200; i++) {
      good = lrTrainStep(good, 0.001, rng); // optimal lr at low accuracy
      bad = lrTrainStep(bad, 0.02, rng); // 20× too high: pushed back to 0
    }
    expect(good).toBeGreaterThan(20);
    expect(bad).toBeLessThan(20);
    // Deterministic per seed.
    expect(runLrRandom(5, 50)).toEqual(runLrRandom(5, 50));
  });

  it.skipIf(noBrowser)(
    "browser: event-to-screen latency with its socket.io baseline, and a seeded experiment page drawn",
    async () => {
      const r = await runBrowserBench({
        ...BROWSER_FULL,
        latencyRuns: [{ workers: 4, database: "pglite" }],
        trainMs: [10, 30],
        latencyWarmupMs: 500,
        latencyMeasureMs: 2_500,
        latencyDrainMs: 2_500,
        scales: [{ members: 3, generations: 4 }],
        pointsPerJob: 3,
        loads: 1,
        shell: false,
        log: quiet,
      });
      const l = r.latency[0]!;
      expect(l.errors).toBe(0);
      expect(l.completes).toBeGreaterThan(3);
      expect(l.socket.count).toBe(l.completes - l.socketMissing);
      expect(l.socketMissing).toBe(0);
      // Every complete of the window reached the page within seconds. (Whether the page saw it after
      // the socket baseline is compared across processes' clocks: a figure for the benchmark, not a
      // check that holds on a loaded machine.)
      expect(l.pageMissing).toBe(0);
      expect(l.pageFrame.max).toBeLessThan(10_000);
      expect(l.pageFrame.p95).toBeGreaterThanOrEqual(l.pageDom.p95);
      const row = r.scale[0]!;
      expect(row).toMatchObject({ members: 3, generations: 4, jobs: 12, metricPoints: 36 });
      expect(row.drawnMs).toBeGreaterThan(0);
      expect(row.drawnMs).toBeLessThan(30_000);
      expect(row.jsHeapMiB).toBeGreaterThan(1);
      expect(row.domNodes).toBeGreaterThan(12);
      expect(formatBrowserResults(r)).toMatch(/socket\.io/);
      // Up to 5 minutes: the first run after a change to app/ or components/ builds the dashboard.
    },
    300_000,
  );

  it("mnist: PBT and random search run the same number of training slices from the same initial draws", async () => {
    const pbt = mnistConfig("pbt", "a", 1, { seeds: [1], populationSize: 2, maxGenerations: 2, examplesPerJob: 200, batchSize: 32, logEvery: 200 });
    const random = mnistConfig("random-search", "b", 1, {
      seeds: [1],
      populationSize: 2,
      maxGenerations: 2,
      examplesPerJob: 200,
      batchSize: 32,
      logEvery: 200,
    });
    expect(random.exploit).toEqual({ kind: "none" });
    for (const [k, h] of Object.entries(random.hyperparameters)) {
      expect(h.explore).toBeUndefined();
      expect(h.init).toEqual(pbt.hyperparameters[k]!.init);
    }
    expect({ ...random, name: "", exploit: null, hyperparameters: null }).toEqual({ ...pbt, name: "", exploit: null, hyperparameters: null });

    const r = await runMnistBench({
      seeds: [1],
      populationSize: 2,
      maxGenerations: 2,
      examplesPerJob: 200,
      batchSize: 32,
      logEvery: 200,
      validationLimit: 200,
      log: quiet,
    });
    expect(r.runs.map((x) => x.method)).toEqual(["pbt", "random-search"]);
    for (const run of r.runs) {
      expect(run.jobsDone).toBe(4);
      expect(run.bestMaxAccuracy).toBeGreaterThan(0.1); // better than chance after 400 examples
      expect(run.bestMaxAccuracy).toBeLessThanOrEqual(1);
      expect(run.bestMaxAccuracy).toBeGreaterThanOrEqual(run.generation0Best);
    }
    expect(r.runs.find((x) => x.method === "random-search")!.exploits).toBe(0);
    expect(formatMnistResults(r)).toMatch(/random-search/);
  }, 120_000);

  it("reads: socket joins on an event log and the read models at two history sizes, on PGlite", async () => {
    const r = await runReadsBench({
      databases: ["pglite"],
      events: 3_000,
      eventBytes: 300,
      farJoins: 2,
      histories: [
        { members: 4, generations: 5 },
        { members: 8, generations: 10 },
      ],
      pointsPerJob: 1,
      fetches: 2,
      log: quiet,
    });
    expect(r.joins.map((j) => j.case)).toEqual(["join at the head (baseline)", "join 1,000 behind", "joins at afterSeq 0", "whole log over HTTP (reference)"]);
    const [head, behind, far, whole] = r.joins;
    expect(head!.events).toBe(0);
    expect(behind!.events).toBe(1_000);
    expect(far!.events).toBe(2 * 2_000);
    expect(whole!.events).toBe(3_000);
    for (const j of r.joins) expect(j.health.failed).toBe(0);
    expect(r.reads.map((x) => x.jobs)).toEqual([20, 20, 20, 20, 80, 80, 80, 80]);
    for (const x of r.reads) expect(x.bytes).toBeGreaterThan(0);
    expect(formatReadsResults(r)).toMatch(/afterSeq 0/);
  }, 180_000);
});
