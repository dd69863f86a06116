// The importance estimate on synthetic histories: a parameter that decides the score stands out,
// ones that do not stay near 0, and the estimate's invariances hold for any data (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnalysisParameter, Importance } from "../../domain/analysis";
import { experimentConfigSchema } from "../../pbt/config";
import { createRng } from "../../pbt/rng";
import { buildAnalysis, type FinishedJob } from "./analysis";
import { importanceOf, quantileBins, type Sample } from "./importance";

const numeric = (name: string): AnalysisParameter => ({ name, kind: "numeric", scale: "linear", explored: true, min: null, max: null, levels: [] });
const categorical = (name: string, levels: string[]): AnalysisParameter => ({
  name,
  kind: "categorical",
  scale: "linear",
  explored: false,
  min: null,
  max: null,
  levels,
});

/**
 * A PBT-shaped history: 16 members × 12 generations. A member keeps its values from one generation
 * to the next, but draws them again with probability 0.3 (an explore). Each generation of training
 * adds a gain that falls with the distance of log10(lr) from -2.5; dropout and activation do nothing.
 */
function syntheticHistory(seed: number): { config: ReturnType<typeof config>; jobs: FinishedJob[] } {
  const rng = createRng(seed);
  const jobs: FinishedJob[] = [];
  const draw = () => ({ lr: 10 ** (-4 + 3 * rng.next()), dropout: 0.6 * rng.next(), activation: rng.next() < 0.5 ? "relu" : "tanh" });
  const previous = new Map<number, FinishedJob>();
  for (let g = 0; g < 12; g++) {
    for (let m = 0; m < 16; m++) {
      const parent = previous.get(m);
      const hyperparameters = parent && rng.next() >= 0.3 ? parent.hyperparameters : draw();
      const gain = 0.1 - 0.05 * (Math.log10(hyperparameters.lr as number) + 2.5) ** 2;
      const score = (parent?.score ?? 0) + gain + 0.005 * rng.normal();
      const job = { id: jobs.length + 1, member: m, generation: g, score, hyperparameters, parentScore: parent?.score ?? null };
      jobs.push(job);
      previous.set(m, job);
    }
  }
  return { config: config(), jobs };
}

function config() {
  return {
    ...experimentConfigSchema.parse({
      name: "synthetic",
      metric: "accuracy",
      populationSize: 16,
      stop: { maxGenerations: 12 },
      hyperparameters: {
        lr: { init: { kind: "loguniform", low: 1e-4, high: 0.1 }, explore: { kind: "perturb" } },
        dropout: { init: { kind: "uniform", low: 0, high: 0.6 }, explore: { kind: "resample", probability: 0.25 } },
        activation: { init: { kind: "choice", values: ["relu", "tanh"] } },
        batch: { init: { kind: "const", value: 32 } },
      },
    }),
    seed: 1,
  };
}

const analysisOf = (seed: number, extra: { fromGeneration?: number; toGeneration?: number; maxJobs?: number } = {}) => {
  const { config, jobs } = syntheticHistory(seed);
  return buildAnalysis({
    experiment: { name: "synthetic", objective: "maximize", metric: "accuracy", status: "done", lastEventSeq: 0 },
    config,
    jobs,
    ...extra,
  });
};

describe("hyperparameter importance", () => {
  it("finds the one parameter that decides the score, for the score and for the improvement", () => {
    for (const seed of [1, 2, 3]) {
      const { importance } = analysisOf(seed);
      const byName = (target: Importance) => Object.fromEntries(target.parameters.map((p) => [p.parameter, p.importance]));
      // The improvement over a generation is what the values in force brought: lr alone.
      const improvement = byName(importance.improvement);
      expect(importance.improvement.parameters[0]!.parameter).toBe("lr");
      expect(improvement.lr).toBeGreaterThan(0.4);
      expect(improvement.dropout).toBeLessThan(0.05);
      expect(improvement.activation).toBeLessThan(0.05);
      // A const parameter never varies: nothing to estimate.
      expect(improvement.batch).toBeNull();
      // The score also carries the member's history (its earlier values): lr still leads by far.
      const score = byName(importance.score);
      expect(importance.score.parameters[0]!.parameter).toBe("lr");
      expect(score.lr).toBeGreaterThan(0.15);
      expect(score.lr).toBeGreaterThan(3 * Math.max(score.dropout!, score.activation!));
      expect(importance.score.samples).toBe(16 * 12);
      // Generation 0 has no parent to improve on.
      expect(importance.improvement.samples).toBe(16 * 11);
    }
  });

  it("measures the score within its generation, so training time is not credited to a parameter that drifts with it", () => {
    // lr rises with the generation and the score with it, but within a generation lr does nothing.
    const { config } = syntheticHistory(1);
    const rng = createRng(7);
    const jobs: FinishedJob[] = [];
    for (let g = 0; g < 10; g++) {
      for (let m = 0; m < 16; m++) {
        const lr = 1e-4 * 2 ** g * (1 + 0.01 * rng.next());
        jobs.push({
          id: jobs.length + 1,
          member: m,
          generation: g,
          score: g + 0.1 * rng.normal(),
          hyperparameters: { lr, dropout: 0.3, activation: "relu" },
          parentScore: null,
        });
      }
    }
    const analysis = buildAnalysis({ experiment: { name: "drift", objective: "maximize", metric: "accuracy", status: "done", lastEventSeq: 0 }, config, jobs });
    const lr = analysis.importance.score.parameters.find((p) => p.parameter === "lr")!;
    expect(lr.importance).toBeLessThan(0.05);
  });

  it("limits the jobs listed but not the jobs the importance rests on, and filters by generation", () => {
    const all = analysisOf(1);
    expect(all.totalJobs).toBe(192);
    expect(all.generations).toEqual({ min: 0, max: 11 });
    const few = analysisOf(1, { maxJobs: 10 });
    expect(few.jobs).toHaveLength(10);
    expect(few.totalJobs).toBe(192);
    expect(few.importance).toEqual(all.importance);
    const late = analysisOf(1, { fromGeneration: 6, toGeneration: 8 });
    expect(late.totalJobs).toBe(48);
    expect(late.jobs.every((j) => j.generation >= 6 && j.generation <= 8)).toBe(true);
    expect(late.importance.score.samples).toBe(48);
  });

  it("describes each parameter's axis from its prior", () => {
    const { parameters } = analysisOf(1);
    const byName = Object.fromEntries(parameters.map((p) => [p.name, p]));
    expect(byName.lr).toMatchObject({ kind: "numeric", scale: "log", explored: true });
    expect(byName.lr!.min).toBeLessThanOrEqual(1e-4);
    expect(byName.lr!.max).toBeGreaterThanOrEqual(0.1);
    expect(byName.activation).toMatchObject({ kind: "categorical", levels: ["relu", "tanh"], explored: false });
    expect(byName.batch).toMatchObject({ kind: "constant", levels: ["32"] });
  });

  it("gives the improvement's sign by the objective: positive is better", () => {
    const { config, jobs } = syntheticHistory(1);
    const minimize = buildAnalysis({
      experiment: { name: "m", objective: "minimize", metric: "loss", status: "done", lastEventSeq: 0 },
      config: { ...config, objective: "minimize" },
      jobs: [
        { ...jobs[0]!, id: 1, score: 0.5, parentScore: null },
        { ...jobs[1]!, id: 2, generation: 1, score: 0.3, parentScore: 0.5 },
      ],
    });
    expect(minimize.jobs.map((j) => j.improvement)).toEqual([null, 0.2 * 1 + 0 * 0]);
  });
});

describe("importance's estimate", () => {
  const one = (samples: Sample[]) => importanceOf(samples, [categorical("c", ["a", "b"])]).parameters[0]!.importance;
  const rows = (ys: [string, number][]) => ys.map(([c, y]): Sample => ({ values: { c }, y }));

  it("is 1 for a target a parameter decides exactly, and null for a target without variance or too few jobs", () => {
    expect(one(rows(Array.from({ length: 12 }, (_, i) => [i % 2 ? "a" : "b", i % 2] as [string, number])))).toBe(1);
    expect(one(rows(Array.from({ length: 12 }, (_, i) => [i % 2 ? "a" : "b", 5] as [string, number])))).toBeNull();
    expect(one(rows(Array.from({ length: 4 }, (_, i) => [i % 2 ? "a" : "b", i % 2] as [string, number])))).toBeNull();
  });

  it("keeps equal values in one bin, and makes no more bins than distinct values", () => {
    expect(new Set(quantileBins([3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1]))).toEqual(new Set([0, 1]));
    const bins = quantileBins(Array.from({ length: 80 }, (_, i) => 79 - i));
    const sizes = [...new Set(bins)].map((b) => bins.filter((x) => x === b).length);
    expect(sizes).toEqual(Array(8).fill(10));
    // Bins follow the values' order.
    expect(bins[0]).toBe(7);
    expect(bins[79]).toBe(0);
  });

  it("credits a parameter that only travels with the one that matters with nothing", () => {
    // b copies a's value in 90% of the jobs; only a acts on y.
    const rng = createRng(3);
    const samples = Array.from({ length: 400 }, (): Sample => {
      const a = rng.next();
      const b = rng.next() < 0.9 ? a : rng.next();
      return { values: { a, b }, y: Math.sin(6 * a) + 0.05 * rng.normal() };
    });
    const byName = Object.fromEntries(importanceOf(samples, [numeric("a"), numeric("b")]).parameters.map((p) => [p.parameter, p.importance]));
    expect(byName.a).toBeGreaterThan(0.05);
    expect(byName.b).toBeLessThan(0.01);
  });

  const samplesArb = fc
    .array(fc.record({ x: fc.integer({ min: -1000, max: 1000 }), c: fc.constantFrom("a", "b", "c"), y: fc.double({ min: -1e3, max: 1e3, noNaN: true }) }), {
      minLength: 10,
      maxLength: 200,
    })
    .map((rows) => rows.map((r): Sample => ({ values: { x: r.x, c: r.c }, y: r.y })));

  it("stays in [0, 1] (or says it cannot tell) for any data", () => {
    fc.assert(
      fc.property(samplesArb, (samples) => {
        for (const p of importanceOf(samples, [numeric("x"), categorical("c", ["a", "b", "c"])]).parameters) {
          if (p.importance !== null) {
            expect(p.importance).toBeGreaterThanOrEqual(0);
            expect(p.importance).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });

  it("is the same under any increasing rescaling of a numeric parameter (a log axis changes nothing)", () => {
    fc.assert(
      fc.property(samplesArb, (samples) => {
        fc.pre(new Set(samples.map((s) => s.values.x)).size >= 2);
        const rescaled = samples.map((s) => ({ ...s, values: { ...s.values, x: Math.exp((s.values.x as number) / 100) } }));
        expect(importanceOf(rescaled, [numeric("x")]).parameters[0]!.importance).toBe(importanceOf(samples, [numeric("x")]).parameters[0]!.importance);
      }),
    );
  });

  it("does not depend on the order of the jobs", () => {
    fc.assert(
      fc.property(samplesArb, fc.integer(), (samples, seed) => {
        const rng = createRng(seed);
        const shuffled = samples
          .map((s) => [rng.next(), s] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, s]) => s);
        const a = importanceOf(samples, [numeric("x"), categorical("c", ["a", "b", "c"])]);
        const b = importanceOf(shuffled, [numeric("x"), categorical("c", ["a", "b", "c"])]);
        for (const p of a.parameters) {
          const q = b.parameters.find((r) => r.parameter === p.parameter)!;
          if (p.importance === null) expect(q.importance).toBeNull();
          else expect(q.importance).toBeCloseTo(p.importance, 9);
        }
      }),
    );
  });
});
