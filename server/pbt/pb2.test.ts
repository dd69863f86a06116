import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { experimentConfigSchema, type Distribution, type ExperimentConfig, type ExperimentConfigInput } from "./config";
import { decideNext, type MemberState, type PopulationState } from "./decide";
import { choosePb2, fromUnit, PB2_HISTORY, pb2Window, toUnit, type Pb2Context, type Pb2Point } from "./pb2";
import { rngFor } from "./rng";

const LR: Distribution = { kind: "uniform", low: 0, high: 1 };

/**
 * A history of `generations` × `members` jobs whose lr is spread evenly over [0, 1] and whose
 * improvement over their parent is `gain(lr)` plus noise.
 */
function history(gain: (lr: number) => number, generations = 3, members = 12, seed = 7): Pb2Point[] {
  const rng = rngFor(seed, "history");
  const points: Pb2Point[] = [];
  for (let g = 1; g <= generations; g++) {
    for (let m = 0; m < members; m++) {
      const lr = (m + rng.next()) / members;
      const parentScore = 10 * g;
      points.push({ member: m, jobId: g * 100 + m, generation: g, hyperparameters: { lr }, score: parentScore + gain(lr) + 0.05 * rng.normal(), parentScore });
    }
  }
  return points;
}

const context = (points: Pb2Point[], overrides: Partial<Pb2Context> = {}): Pb2Context => ({
  objective: "maximize",
  history: points,
  pending: [],
  next: { generation: 4, parentScore: 30 },
  ...overrides,
});

/** Improves by 1 for lr in [0.7, 0.9], by 0 elsewhere. */
const highRegion = (lr: number) => (lr >= 0.7 && lr <= 0.9 ? 1 : 0);

describe("PB2's choice", () => {
  it("moves to the region of the history that improved most, from a donor far from it", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const choice = choosePb2([["lr", LR]], { lr: 0.1 }, context(history(highRegion, 3, 12, seed)), rngFor(seed, "explore"));
      expect(choice.operation).toBe("pb2");
      expect(choice.values.lr, `seed ${seed}`).toBeGreaterThanOrEqual(0.6);
      expect(choice.values.lr, `seed ${seed}`).toBeLessThanOrEqual(1);
    }
  });

  it("follows a region that moved: the newest generations weigh more than the older ones", () => {
    // Generations 1–3 improved most at low lr, 4–5 at high lr: the optimum moved during training.
    // Every job starts from the same score, so only the generation tells old from new.
    const lowRegion = (lr: number) => (lr >= 0.1 && lr <= 0.3 ? 1 : 0);
    for (let seed = 1; seed <= 10; seed++) {
      const points = history(() => 0, 5, 12, seed).map((p) => {
        const lr = p.hyperparameters.lr as number;
        const noise = p.score! - p.parentScore!;
        return { ...p, parentScore: 0, score: (p.generation >= 4 ? highRegion(lr) : lowRegion(lr)) + noise };
      });
      const choice = choosePb2([["lr", LR]], { lr: 0.2 }, context(points, { next: { generation: 6, parentScore: 0 } }), rngFor(seed, "explore"));
      expect(choice.values.lr, `seed ${seed}`).toBeGreaterThanOrEqual(0.6);
    }
  });

  it("reads improvement the other way round when minimizing", () => {
    // The scores fall fastest (the loss improves most) for lr in [0.1, 0.3].
    const lowRegion = (lr: number) => (lr >= 0.1 && lr <= 0.3 ? -1 : 0);
    const choice = choosePb2([["lr", LR]], { lr: 0.9 }, context(history(lowRegion), { objective: "minimize" }), rngFor(1, "explore"));
    expect(choice.values.lr).toBeGreaterThanOrEqual(0.05);
    expect(choice.values.lr).toBeLessThanOrEqual(0.35);
  });

  it("gives the same choice for the same seed and history", () => {
    const points = history(highRegion);
    const a = choosePb2([["lr", LR]], { lr: 0.1 }, context(points), rngFor(3, "explore", 1, 4));
    const b = choosePb2([["lr", LR]], { lr: 0.1 }, context([...points].reverse()), rngFor(3, "explore", 1, 4));
    expect(b).toEqual(a);
  });

  it("spreads members that choose at the same time: a pending choice lowers the bonus around it", () => {
    // A flat history: only the uncertainty tells points apart.
    const flat = history(() => 0, 2, 6);
    const first = choosePb2([["lr", LR]], { lr: 0.5 }, context(flat), rngFor(1, "explore"));
    const second = choosePb2([["lr", LR]], { lr: 0.5 }, context(flat, { pending: [{ generation: 4, hyperparameters: first.values }] }), rngFor(1, "explore"));
    expect(Math.abs(second.values.lr! - first.values.lr!)).toBeGreaterThan(0.05);
  });

  it("draws from the prior while fewer than three improvements are known", () => {
    const choice = choosePb2([["lr", LR]], { lr: 0.5 }, context(history(highRegion).slice(0, 2)), rngFor(1, "explore"));
    expect(choice.operation).toBe("pb2-prior");
  });

  it("fits at most PB2_HISTORY points, the newest generations first", () => {
    const long = history(highRegion, 20, 12);
    const window = pb2Window(long);
    expect(window).toHaveLength(PB2_HISTORY);
    expect(Math.min(...window.map((p) => p.generation))).toBe(20 - Math.ceil(PB2_HISTORY / 12) + 1);
  });

  it("keeps every value within its bounds, rounds ints and keeps loguniform values positive", () => {
    const distribution: fc.Arbitrary<Distribution> = fc.oneof(
      fc
        .tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }))
        .map(([low, w]): Distribution => ({ kind: "uniform", low, high: low + w })),
      fc
        .tuple(fc.double({ min: 1e-6, max: 10, noNaN: true }), fc.double({ min: 1.01, max: 1e4, noNaN: true }))
        .map(([low, r]): Distribution => ({ kind: "loguniform", low, high: low * r })),
      fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 })).map(([low, w]): Distribution => ({ kind: "int", low, high: low + w })),
    );
    fc.assert(
      fc.property(
        fc.array(distribution, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { minLength: 0, maxLength: 30 }),
        fc.integer({ min: 0, max: 1000 }),
        (dists, observations, seed) => {
          fc.pre(dists.every((d) => d.kind !== "uniform" || d.low < d.high));
          const params = dists.map((d, i): [string, Distribution] => [`p${i}`, d]);
          const valuesAt = (u: number) => Object.fromEntries(params.map(([name, d]) => [name, fromUnit(d, u)]));
          const points = observations.map(([u, gain], i): Pb2Point => ({
            member: i % 4,
            jobId: i + 1,
            generation: 1 + Math.floor(i / 4),
            hyperparameters: valuesAt(u),
            score: gain,
            parentScore: 0,
          }));
          const choice = choosePb2(params, valuesAt(0.5), context(points), rngFor(seed, "explore"));
          for (const [name, d] of params) {
            const v = choice.values[name]!;
            if (d.kind === "uniform" || d.kind === "loguniform" || d.kind === "int") {
              expect(v).toBeGreaterThanOrEqual(d.low);
              expect(v).toBeLessThanOrEqual(d.high);
            }
            if (d.kind === "int") expect(Number.isInteger(v)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("maps values to [0, 1] and back (loguniform on the log scale)", () => {
    const log: Distribution = { kind: "loguniform", low: 1e-4, high: 1e-1 };
    expect(toUnit(log, 1e-4)).toBe(0);
    expect(toUnit(log, 1e-1)).toBe(1);
    expect(toUnit(log, 1e-2)).toBeCloseTo(2 / 3, 10);
    expect(fromUnit(log, 2 / 3)).toBeCloseTo(1e-2, 10);
    expect(fromUnit({ kind: "int", low: 1, high: 8 }, 0.5)).toBe(5);
  });
});

describe("PB2 in decideNext", () => {
  function configOf(overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfig {
    const parsed = experimentConfigSchema.parse({
      name: "pb2",
      metric: "accuracy",
      populationSize: 4,
      stop: { maxGenerations: 10 },
      exploit: { kind: "truncate", fraction: 0.25 },
      explore: { kind: "pb2" },
      hyperparameters: {
        lr: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } },
        layers: { init: { kind: "int", low: 1, high: 8 }, explore: { kind: "resample", probability: 0.2 } },
        activation: { init: { kind: "choice", values: ["relu", "tanh"] }, explore: { kind: "shift" } },
        width: { init: { kind: "int", low: 16, high: 64 } },
      },
      ...overrides,
    });
    return { ...parsed, seed: 5 };
  }

  /** Four members done with generation 3; member 3 ranks last. */
  function populationAt3(config: ExperimentConfig): PopulationState {
    const members: MemberState[] = [0, 1, 2, 3].map((m) => {
      const hp = { lr: 0.2 * (m + 1), layers: m + 2, activation: "relu", width: 32 };
      const job = { jobId: 300 + m, generation: 3, hyperparameters: hp, score: 40 - m * 10 };
      return { member: m, latest: { ...job, attempt: 0, status: "done" as const, finishedAt: 1000 + m }, lastDone: job };
    });
    const pb2History = [1, 2, 3].flatMap((g) =>
      [0, 1, 2, 3].map((m): Pb2Point => ({
        member: m,
        jobId: g * 100 + m,
        generation: g,
        hyperparameters: members[m]!.lastDone!.hyperparameters,
        score: 10 * g + (3 - m),
        parentScore: 10 * g,
      })),
    );
    return {
      config,
      members,
      generationResults: members.map((m) => ({ member: m.member, ...m.lastDone! })),
      jobsCreated: 0,
      pb2History,
    };
  }

  it("explores the bounded numeric parameters that explore by PB2, and the choice by its own strategy", () => {
    const config = configOf({ mode: "sync" });
    const state = populationAt3(config);
    // Sync decisions in member order: member 3 is the bottom quantile and copies member 0.
    const decision = decideNext({
      ...state,
      members: state.members.map((m) => (m.member === 3 ? m : { ...m, latest: { ...m.latest, status: "running" as const, generation: 4 } })),
    });
    expect(decision.kind).toBe("next-generation");
    if (decision.kind !== "next-generation") return;
    expect(decision.origin).toBe("exploit");
    const operations = Object.fromEntries(decision.mutations.map((m) => [m.parameter, m.operation]));
    expect(operations).toEqual({ lr: "pb2", layers: "pb2", activation: expect.stringMatching(/^shift/) });
    expect(Number.isInteger(decision.hyperparameters.layers)).toBe(true);
    expect(decision.hyperparameters.width).toBe(32);
  });

  it("in sync mode, gives a member the same choice whoever was decided before it", () => {
    // Two names, so the choices kept for one order (decide.ts's syncChoices) cannot serve the other.
    const decide = (member: number, name: string) => {
      const state = populationAt3(configOf({ name, mode: "sync", exploit: { kind: "none" } }));
      // Only `member` is ready; the others have started generation 4 already.
      const members = state.members.map((m) =>
        m.member === member ? m : { ...m, latest: { ...m.latest, status: "running" as const, generation: 4, jobId: 400 + m.member } },
      );
      const d = decideNext({ ...state, members });
      return d.kind === "next-generation" ? d.hyperparameters : null;
    };
    const forwards = [0, 1, 2, 3].map((m) => decide(m, "forwards"));
    const backwards = [3, 2, 1, 0].map((m) => decide(m, "backwards")).reverse();
    expect(backwards).toEqual(forwards);
    // Explore-only PB2: each member's own values are chosen afresh; the pending choices of the
    // members before it keep them apart (here all go to a low lr, the region that improved most).
    expect(new Set(forwards.map((h) => JSON.stringify([h!.lr, h!.layers]))).size).toBe(4);
    for (const h of forwards) expect(h!.lr).toBeLessThan(0.3);
  });
});
