import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { distributionSchema, type Distribution } from "./config";
import { bounds, clampToDistribution, sample, valueProblem } from "./distributions";
import { createRng } from "./rng";
import { scriptedRng } from "./scripted-rng";
import { numericDistribution } from "./arbitraries";

const ALMOST_ONE = 1 - 2 ** -53;

describe("sample", () => {
  it("draws uniform linearly between low and high", () => {
    const dist: Distribution = { kind: "uniform", low: -1, high: 3 };
    expect(sample(dist, scriptedRng([0]))).toBe(-1);
    expect(sample(dist, scriptedRng([0.25]))).toBe(0);
    expect(sample(dist, scriptedRng([0.5]))).toBe(1);
  });

  it("never draws uniform above high, even for a draw just below 1", () => {
    const dist: Distribution = { kind: "uniform", low: 0.1, high: 0.7 };
    expect(sample(dist, scriptedRng([ALMOST_ONE]))).toBeLessThanOrEqual(0.7);
  });

  it("draws loguniform uniformly in log space", () => {
    const dist: Distribution = { kind: "loguniform", low: 1e-4, high: 1 };
    expect(sample(dist, scriptedRng([0]))).toBeCloseTo(1e-4, 12);
    expect(sample(dist, scriptedRng([0.5]))).toBeCloseTo(1e-2, 12);
    expect(sample(dist, scriptedRng([0.75]))).toBeCloseTo(1e-1, 12);
  });

  it("draws normal as mean + std * z", () => {
    // Box–Muller with u1 = 1 - 0 = 1 and u2 = 0.5 gives z = sqrt(-2 ln 1) * cos(pi) = 0 — use
    // u1 = e^-2 (draw 1 - e^-2) and u2 = 0 for z = sqrt(4) * cos(0) = 2.
    const dist: Distribution = { kind: "normal", mean: 10, std: 3 };
    expect(sample(dist, scriptedRng([1 - Math.exp(-2), 0]))).toBeCloseTo(16, 10);
    expect(sample({ kind: "normal", mean: 5, std: 0 }, createRng(1))).toBe(5);
  });

  it("draws int over [low, high] inclusive", () => {
    const dist: Distribution = { kind: "int", low: 2, high: 5 };
    expect(sample(dist, scriptedRng([0]))).toBe(2);
    expect(sample(dist, scriptedRng([0.5]))).toBe(4);
    expect(sample(dist, scriptedRng([ALMOST_ONE]))).toBe(5);
    expect(sample({ kind: "int", low: 7, high: 7 }, createRng(1))).toBe(7);
  });

  it("draws an unweighted choice uniformly by position", () => {
    const dist: Distribution = { kind: "choice", values: ["sgd", "adam", { name: "lamb" }] };
    expect(sample(dist, scriptedRng([0]))).toBe("sgd");
    expect(sample(dist, scriptedRng([0.5]))).toBe("adam");
    expect(sample(dist, scriptedRng([0.9]))).toEqual({ name: "lamb" });
  });

  it("draws a weighted choice by cumulative weight and never a zero-weight value", () => {
    const dist: Distribution = { kind: "choice", values: ["a", "b", "c", "d"], weights: [1, 0, 3, 0] };
    expect(sample(dist, scriptedRng([0]))).toBe("a");
    expect(sample(dist, scriptedRng([0.24]))).toBe("a");
    expect(sample(dist, scriptedRng([0.25]))).toBe("c");
    expect(sample(dist, scriptedRng([ALMOST_ONE]))).toBe("c");
  });

  it("gives a floating-point remainder past the last weight to the last value with weight > 0", () => {
    // With these weights and the largest draw, subtracting each weight in turn leaves a positive
    // remainder after the last one (0.1 + 0.2 + 0.3 is not 0.6 in floating point).
    const dist: Distribution = { kind: "choice", values: ["a", "b", "c", "zero"], weights: [0.1, 0.2, 0.3, 0] };
    expect(sample(dist, scriptedRng([ALMOST_ONE]))).toBe("c");
  });

  it("returns copies of choice and const values, never the config's own objects", () => {
    const listed = { depth: [1, 2] };
    const choice: Distribution = { kind: "choice", values: [listed] };
    const drawn = sample(choice, createRng(1));
    expect(drawn).toEqual(listed);
    expect(drawn).not.toBe(listed);
    const value = { a: 1 };
    const constant = sample({ kind: "const", value }, createRng(1));
    expect(constant).toEqual(value);
    expect(constant).not.toBe(value);
  });

  it("returns const values as they are, including null and strings", () => {
    expect(sample({ kind: "const", value: null }, createRng(1))).toBeNull();
    expect(sample({ kind: "const", value: "cosine" }, createRng(1))).toBe("cosine");
  });
});

describe("bounds", () => {
  it("gives [low, high] for uniform, loguniform and int", () => {
    expect(bounds({ kind: "uniform", low: 0, high: 2 })).toEqual({ low: 0, high: 2 });
    expect(bounds({ kind: "loguniform", low: 1e-5, high: 1e-1 })).toEqual({ low: 1e-5, high: 1e-1 });
    expect(bounds({ kind: "int", low: 1, high: 8 })).toEqual({ low: 1, high: 8 });
  });

  it("gives null for normal, choice and const", () => {
    expect(bounds({ kind: "normal", mean: 0, std: 1 })).toBeNull();
    expect(bounds({ kind: "choice", values: [1, 2] })).toBeNull();
    expect(bounds({ kind: "const", value: 3 })).toBeNull();
  });
});

describe("clampToDistribution", () => {
  const uniform: Distribution = { kind: "uniform", low: 0, high: 1 };
  const int: Distribution = { kind: "int", low: 0, high: 3 };

  it("clamps below and above the bounds and keeps values inside", () => {
    expect(clampToDistribution(uniform, -0.5)).toBe(0);
    expect(clampToDistribution(uniform, 1.5)).toBe(1);
    expect(clampToDistribution(uniform, 0.3)).toBe(0.3);
    expect(clampToDistribution({ kind: "loguniform", low: 1e-4, high: 1e-1 }, 1e-6)).toBe(1e-4);
  });

  it("rounds int values to the nearest integer", () => {
    expect(clampToDistribution(int, 1.4)).toBe(1);
    expect(clampToDistribution(int, 1.5)).toBe(2);
    expect(clampToDistribution(int, 2.6)).toBe(3);
  });

  it("rounds int values before clamping, so the result is an integer inside the bounds", () => {
    expect(clampToDistribution(int, 3.6)).toBe(3);
    expect(clampToDistribution(int, 17.2)).toBe(3);
    expect(clampToDistribution(int, -0.4)).toBe(0);
    expect(clampToDistribution(int, -5.5)).toBe(0);
  });

  it("leaves normal values unbounded", () => {
    expect(clampToDistribution({ kind: "normal", mean: 0, std: 1 }, 1e9)).toBe(1e9);
    expect(clampToDistribution({ kind: "normal", mean: 0, std: 1 }, -1e9)).toBe(-1e9);
  });
});

describe("sample (properties)", () => {
  it("draws numeric values inside the distribution's bounds, integers for int", () => {
    fc.assert(
      fc.property(numericDistribution, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (dist, seed) => {
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const value = sample(dist, rng);
          if (typeof value !== "number" || !Number.isFinite(value)) return false;
          const range = bounds(dist);
          if (range !== null && (value < range.low || value > range.high)) return false;
          if (dist.kind === "int" && !Number.isInteger(value)) return false;
        }
        return true;
      }),
    );
  });

  it("draws choice values only from the list, and never one with weight 0", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.constantFrom(0, 0.5, 1, 3)), { minLength: 1, maxLength: 6 }).filter((pairs) => pairs.some(([, w]) => w > 0)),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (pairs, seed) => {
          const values = pairs.map(([, w], i) => `${i}:${w}`);
          const weights = pairs.map(([, w]) => w);
          const rng = createRng(seed);
          for (let i = 0; i < 20; i++) {
            const value = sample({ kind: "choice", values, weights }, rng);
            const index = values.indexOf(value as string);
            if (index === -1 || weights[index] === 0) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe("sample (statistics, fixed seed)", () => {
  const draws = (dist: Distribution, n: number, seed: number) => {
    const rng = createRng(seed);
    return Array.from({ length: n }, () => sample(dist, rng) as number);
  };
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return ((sorted[sorted.length / 2 - 1] ?? 0) + (sorted[sorted.length / 2] ?? 0)) / 2;
  };

  it("has a loguniform median near the geometric mean of the bounds", () => {
    const xs = draws({ kind: "loguniform", low: 1e-5, high: 1e-1 }, 10_000, 2024);
    // Geometric mean 1e-3; in log10 space the median lies within ±0.05 decades of -3.
    expect(Math.abs(Math.log10(median(xs)) + 3)).toBeLessThan(0.05);
    // A linear uniform draw would put the median near 0.05 instead: it must be far below that.
    expect(median(xs)).toBeLessThan(0.002);
  });

  it("has a uniform mean near the midpoint", () => {
    const xs = draws({ kind: "uniform", low: 2, high: 4 }, 10_000, 5);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 3)).toBeLessThan(0.02);
  });

  it("has normal mean and standard deviation as configured", () => {
    const xs = draws({ kind: "normal", mean: -2, std: 0.5 }, 10_000, 6);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean + 2)).toBeLessThan(0.02);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.02);
  });

  it("respects choice weights", () => {
    const rng = createRng(99);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const dist: Distribution = { kind: "choice", values: ["a", "b", "c"], weights: [1, 2, 7] };
    for (let i = 0; i < 10_000; i++) counts[sample(dist, rng) as string]! += 1;
    // Expected 1000 / 2000 / 7000; standard deviations about 30 / 40 / 46.
    expect(Math.abs(counts.a! - 1000)).toBeLessThan(150);
    expect(Math.abs(counts.b! - 2000)).toBeLessThan(200);
    expect(Math.abs(counts.c! - 7000)).toBeLessThan(250);
  });

  it("draws every int value about equally often", () => {
    const xs = draws({ kind: "int", low: 1, high: 4 }, 10_000, 8);
    for (const v of [1, 2, 3, 4]) {
      expect(Math.abs(xs.filter((x) => x === v).length - 2500)).toBeLessThan(200);
    }
  });
});

describe("valueProblem (what a pushed job is checked against)", () => {
  it("accepts what the distribution could give and names what it could not", () => {
    const cases: [Distribution, unknown, boolean][] = [
      [{ kind: "uniform", low: 0, high: 1 }, 0, true],
      [{ kind: "uniform", low: 0, high: 1 }, 1, true],
      [{ kind: "uniform", low: 0, high: 1 }, 1e300, false],
      [{ kind: "uniform", low: 0, high: 1 }, "0.5", false],
      [{ kind: "loguniform", low: 1e-4, high: 1 }, 0, false],
      [{ kind: "int", low: 1, high: 8 }, 8, true],
      [{ kind: "int", low: 1, high: 8 }, 2.5, false],
      [{ kind: "int", low: 1, high: 8 }, 9, false],
      [{ kind: "normal", mean: 0, std: 1 }, -1e9, true],
      [{ kind: "normal", mean: 0, std: 1 }, null, false],
      [{ kind: "choice", values: ["relu", { a: 1, b: [2] }] }, { b: [2], a: 1 }, true],
      [{ kind: "choice", values: ["relu", { a: 1, b: [2] }] }, { a: 1 }, false],
      [{ kind: "choice", values: [1, 2] }, "1", false],
      [{ kind: "const", value: "v1" }, "v1", true],
      [{ kind: "const", value: "v1" }, "v2", false],
    ];
    for (const [dist, value, ok] of cases) {
      const problem = valueProblem(dist, value as never);
      expect({ dist, value, ok: problem === null }).toEqual({ dist, value, ok });
      if (problem) expect(problem.accepted.length).toBeGreaterThan(0);
    }
  });

  it("accepts every value drawn from any distribution the config schema accepts, however extreme its numbers", () => {
    const anyNumber = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(-Number.MAX_VALUE, -1.7e308, -1e308, 0, 1, 1e300, 1e308, 1.7e308, Number.MAX_VALUE),
    );
    const candidate = fc.oneof(
      fc.record({ kind: fc.constant("uniform"), low: anyNumber, high: anyNumber }),
      fc.record({ kind: fc.constant("loguniform"), low: anyNumber, high: anyNumber }),
      fc.record({ kind: fc.constant("normal"), mean: anyNumber, std: anyNumber }),
      fc.record({ kind: fc.constant("int"), low: fc.maxSafeInteger().map((v) => -v), high: fc.maxSafeInteger() }),
      fc.record({ kind: fc.constant("choice"), values: fc.constant(["a", "b", "c"]), weights: fc.array(anyNumber, { minLength: 3, maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(candidate, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (raw, seed) => {
        const parsed = distributionSchema.safeParse(raw);
        fc.pre(parsed.success);
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const value = sample(parsed.data, rng);
          if (valueProblem(parsed.data, value) !== null) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
