// Tiny runs of every benchmark (seconds), so they cannot rot: the output has the documented shape
// and the figures are sane. The real figures come from `npm run bench` (bench/README.md).
import { describe, expect, it } from "vitest";
import { formatSchedulerResults, runSchedulerBench } from "./scheduler";
import { formatQualityResults, lrTrainStep, runLrRandom, runQualityBench } from "./quality";
import { createRng } from "../server/pbt/rng";

const quiet = () => {};

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
    expect(formatSchedulerResults(r)).toMatch(/cycles\/s/);
  }, 180_000);

  it("quality: the toy problem's variants and the LR-schedule toy", async () => {
    const r = await runQualityBench({ seeds: 1, toyGenerations: 8, lrMaxSteps: 40, log: quiet });
    expect(r.toy.map((t) => t.variant)).toEqual(["pbt", "grid", "explore-only", "exploit-only"]);
    for (const t of r.toy) {
      expect(t.perSeed).toHaveLength(1);
      // Q = 1.2 − |θ|² starts at 1.2 − 1.62 and can only approach 1.2.
      expect(t.finalQ.min).toBeGreaterThan(-0.42);
      expect(t.finalQ.max).toBeLessThanOrEqual(1.2);
    }
    // Grid search with the paper's fixed h cannot beat PBT on this problem.
    expect(r.toy.find((t) => t.variant === "pbt")!.finalQ.mean).toBeGreaterThan(r.toy.find((t) => t.variant === "grid")!.finalQ.mean);
    expect(r.lrSchedule.map((l) => l.method)).toEqual(["pbt", "random-search"]);
    for (const l of r.lrSchedule) expect(l.bestAccuracy.min).toBeGreaterThanOrEqual(0);
    expect(formatQualityResults(r)).toMatch(/pbt/);
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
});
