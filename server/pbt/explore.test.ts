import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hyperparameterSchema, type Hyperparameter, type Hyperparameters } from "./config";
import { bounds } from "./distributions";
import { jsonEqual } from "./distributions";
import { explore, formatFactor } from "./explore";
import { createRng } from "./rng";
import { scriptedRng } from "./scripted-rng";
import { currentValue, numericDistribution, numericExplore } from "./arbitraries";

const ALMOST_ONE = 1 - 2 ** -53;

/** Explores a single parameter `p` and returns its new value and the one mutation. */
function exploreOne(param: Hyperparameter, old: Hyperparameters[string] | undefined, draws: number[]) {
  const rng = scriptedRng(draws);
  const result = explore({ p: param }, old === undefined ? {} : { p: old }, rng);
  // Every scripted draw must have been used: the test describes exactly what explore does.
  expect(rng.remaining()).toBe(0);
  expect(result.mutations).toHaveLength(1);
  return { value: result.hyperparameters.p, mutation: result.mutations[0]! };
}

const lr: Hyperparameter = { init: { kind: "loguniform", low: 1e-5, high: 1 }, explore: { kind: "perturb" } };

describe("perturb", () => {
  it("multiplies by a factor drawn uniformly from the default [0.8, 1.2]", () => {
    expect(exploreOne(lr, 0.1, [0]).value).toBeCloseTo(0.08, 12);
    expect(exploreOne(lr, 0.1, [0.5]).value).toBeCloseTo(0.1, 12);
    expect(exploreOne(lr, 0.1, [0.75]).value).toBeCloseTo(0.11, 12);
  });

  it("draws the factor from the given minFactor and maxFactor", () => {
    const param: Hyperparameter = { ...lr, explore: { kind: "perturb", minFactor: 0.5, maxFactor: 2 } };
    expect(exploreOne(param, 0.1, [0]).value).toBeCloseTo(0.05, 12);
    expect(exploreOne(param, 0.1, [ALMOST_ONE]).value).toBeCloseTo(0.2, 12);
  });

  it("picks one of the listed factors uniformly", () => {
    const param: Hyperparameter = { ...lr, explore: { kind: "perturb", factors: [0.8, 1.2] } };
    expect(exploreOne(param, 0.1, [0.2]).value).toBeCloseTo(0.08, 12);
    expect(exploreOne(param, 0.1, [0.7]).value).toBeCloseTo(0.12, 12);
    const rng = createRng(4);
    const picked = new Set<number>();
    for (let i = 0; i < 200; i++) picked.add(explore({ p: param }, { p: 0.5 }, rng).hyperparameters.p as number);
    expect([...picked].sort()).toEqual([0.4, 0.6]);
  });

  it("records the operation with the factor to at most 4 significant digits", () => {
    const param: Hyperparameter = { ...lr, explore: { kind: "perturb", factors: [1.2] } };
    expect(exploreOne(param, 0.1, [0]).mutation).toEqual({ parameter: "p", old: 0.1, new: 0.12, operation: "perturb*1.2" });
    // 0.8 + 0.4 * 0.123456 = 0.8493824
    expect(exploreOne(lr, 0.1, [0.123456]).mutation.operation).toBe("perturb*0.8494");
    expect(formatFactor(1)).toBe("1");
    expect(formatFactor(1.23456)).toBe("1.235");
  });

  it("clamps to the initial distribution's bounds and still records the mutation", () => {
    const rate: Hyperparameter = { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb", factors: [1.2] } };
    expect(exploreOne(rate, 0.95, [0]).value).toBe(1);
    expect(exploreOne(rate, 1, [0]).mutation).toEqual({ parameter: "p", old: 1, new: 1, operation: "perturb*1.2" });
    const shrink: Hyperparameter = { ...lr, explore: { kind: "perturb", factors: [0.5] } };
    expect(exploreOne(shrink, 1.5e-5, [0]).value).toBe(1e-5);
  });

  it("brings a value that was already out of bounds (e.g. set by hand) back inside", () => {
    const rate: Hyperparameter = { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb", factors: [0.9] } };
    expect(exploreOne(rate, 50, [0]).value).toBe(1);
  });

  it("rounds int parameters and keeps them within bounds", () => {
    const layers: Hyperparameter = { init: { kind: "int", low: 1, high: 8 }, explore: { kind: "perturb", factors: [1.2] } };
    expect(exploreOne(layers, 5, [0]).value).toBe(6);
    expect(exploreOne(layers, 8, [0]).mutation).toEqual({ parameter: "p", old: 8, new: 8, operation: "perturb*1.2" });
  });

  it("moves a small integer that rounds back to itself by one in the factor's direction", () => {
    const workers: Hyperparameter = { init: { kind: "int", low: -5, high: 5 }, explore: { kind: "perturb", factors: [0.8, 1.2] } };
    // 1 × 1.2 = 1.2 rounds to 1: stepped up; 1 × 0.8 = 0.8 rounds to 1: stepped down.
    expect(exploreOne(workers, 1, [0.9]).mutation).toEqual({ parameter: "p", old: 1, new: 2, operation: "perturb*1.2, +1" });
    expect(exploreOne(workers, 1, [0]).mutation).toEqual({ parameter: "p", old: 1, new: 0, operation: "perturb*0.8, -1" });
    expect(exploreOne(workers, 2, [0.9]).value).toBe(3);
    // Zero multiplies to zero whatever the factor: the factor alone gives the direction.
    expect(exploreOne(workers, 0, [0.9]).value).toBe(1);
    expect(exploreOne(workers, 0, [0]).value).toBe(-1);
    // Below zero a factor above 1 moves away from zero, as the product does.
    expect(exploreOne(workers, -1, [0.9]).value).toBe(-2);
  });

  it("leaves an integer at its bound when the step would leave the bounds", () => {
    const layers: Hyperparameter = { init: { kind: "int", low: 1, high: 8 }, explore: { kind: "perturb", factors: [0.9] } };
    expect(exploreOne(layers, 1, [0]).mutation).toEqual({ parameter: "p", old: 1, new: 1, operation: "perturb*0.9" });
  });

  it("leaves normal parameters unbounded", () => {
    const bias: Hyperparameter = { init: { kind: "normal", mean: 0, std: 1 }, explore: { kind: "perturb", factors: [1.2] } };
    expect(exploreOne(bias, 1000, [0]).value).toBeCloseTo(1200, 9);
  });

  it("resamples when a normal parameter's product overflows to Infinity", () => {
    const bias: Hyperparameter = { init: { kind: "normal", mean: 0, std: 1 }, explore: { kind: "perturb", factors: [10] } };
    const { value, mutation } = exploreOne(bias, Number.MAX_VALUE, [0, 1 - Math.exp(-2), 0]);
    expect(value).toBeCloseTo(2, 10);
    expect(mutation.operation).toBe("resample");
  });
});

describe("resample", () => {
  const param: Hyperparameter = {
    init: { kind: "uniform", low: 0, high: 10 },
    explore: { kind: "resample", probability: 0.25, factors: [2] },
  };

  it("draws again from the initial distribution when the draw falls below the probability", () => {
    const { value, mutation } = exploreOne(param, 3, [0.1, 0.5]);
    expect(value).toBe(5);
    expect(mutation).toEqual({ parameter: "p", old: 3, new: 5, operation: "resample" });
  });

  it("otherwise perturbs with its own factors", () => {
    const { value, mutation } = exploreOne(param, 3, [0.25, 0]);
    expect(value).toBe(6);
    expect(mutation.operation).toBe("perturb*2");
  });

  it("otherwise perturbs with its own minFactor and maxFactor", () => {
    const ranged: Hyperparameter = { ...param, explore: { kind: "resample", probability: 0.25, minFactor: 0.5, maxFactor: 1.5 } };
    expect(exploreOne(ranged, 4, [0.9, 0]).value).toBe(2);
  });

  it("always resamples with probability 1 and never with probability 0", () => {
    const always: Hyperparameter = { ...param, explore: { kind: "resample", probability: 1 } };
    const never: Hyperparameter = { ...param, explore: { kind: "resample", probability: 0 } };
    expect(exploreOne(always, 3, [ALMOST_ONE, 0.2]).mutation.operation).toBe("resample");
    expect(exploreOne(never, 3, [0, 0.5]).mutation.operation).toBe("perturb*1");
  });

  it("resamples int parameters to integers", () => {
    const layers: Hyperparameter = { init: { kind: "int", low: 1, high: 8 }, explore: { kind: "resample", probability: 1 } };
    expect(exploreOne(layers, 3, [0, 0.99]).value).toBe(8);
  });
});

describe("resample of choice and const parameters", () => {
  const optimizer: Hyperparameter = {
    init: { kind: "choice", values: ["sgd", "adam", "rmsprop"], weights: [0, 1, 3] },
    explore: { kind: "resample", probability: 0.3 },
  };

  it("draws from the prior with its weights when the draw falls below the probability", () => {
    // Weights [0, 1, 3]: a draw of 0.5 × 4 = 2 lands in rmsprop's share; sgd (weight 0) never comes.
    expect(exploreOne(optimizer, "adam", [0.1, 0.5]).mutation).toEqual({ parameter: "p", old: "adam", new: "rmsprop", operation: "resample" });
    expect(exploreOne(optimizer, "adam", [0.1, 0.2]).value).toBe("adam");
  });

  it("otherwise shifts to a neighbouring value", () => {
    expect(exploreOne(optimizer, "adam", [0.3, 0.9]).mutation).toEqual({ parameter: "p", old: "adam", new: "rmsprop", operation: "shift+1" });
  });

  it("is accepted by the config schema for choice and const parameters, and perturb is not", () => {
    const parse = (h: unknown) => hyperparameterSchema.safeParse(h).success;
    expect(parse(optimizer)).toBe(true);
    expect(parse({ init: { kind: "const", value: 3 }, explore: { kind: "resample", probability: 1 } })).toBe(true);
    expect(parse({ init: { kind: "choice", values: [1, 2] }, explore: { kind: "perturb" } })).toBe(false);
  });

  it("draws every value with a positive weight, and only those, over many resamples", () => {
    const always: Hyperparameter = { ...optimizer, explore: { kind: "resample", probability: 1 } };
    const seen = new Set(Array.from({ length: 200 }, (_, seed) => explore({ p: always }, { p: "adam" }, createRng(seed)).hyperparameters.p));
    expect([...seen].sort()).toEqual(["adam", "rmsprop"]);
  });
});

describe("shift", () => {
  const batch: Hyperparameter = { init: { kind: "choice", values: [16, 32, 64] }, explore: { kind: "shift" } };

  it("moves to the previous or next value from the middle of the list", () => {
    expect(exploreOne(batch, 32, [0.2])).toEqual({ value: 16, mutation: { parameter: "p", old: 32, new: 16, operation: "shift-1" } });
    expect(exploreOne(batch, 32, [0.7])).toEqual({ value: 64, mutation: { parameter: "p", old: 32, new: 64, operation: "shift+1" } });
  });

  it("stays at the first value when stepping down from it", () => {
    expect(exploreOne(batch, 16, [0.2])).toEqual({ value: 16, mutation: { parameter: "p", old: 16, new: 16, operation: "shift-1" } });
  });

  it("stays at the last value when stepping up from it", () => {
    expect(exploreOne(batch, 64, [0.7])).toEqual({ value: 64, mutation: { parameter: "p", old: 64, new: 64, operation: "shift+1" } });
  });

  it("resamples from the list when the current value is not in it", () => {
    expect(exploreOne(batch, 48, [0.9])).toEqual({ value: 64, mutation: { parameter: "p", old: 48, new: 64, operation: "resample" } });
  });

  it("resamples, recording old as null, when the parameter is missing", () => {
    expect(exploreOne(batch, undefined, [0])).toEqual({ value: 16, mutation: { parameter: "p", old: null, new: 16, operation: "resample" } });
  });

  it("finds the current value by deep JSON equality, whatever the key order", () => {
    const schedule: Hyperparameter = {
      init: { kind: "choice", values: [{ kind: "step", at: [1, 2] }, { at: [3], kind: "cosine" }, "constant"] },
      explore: { kind: "shift" },
    };
    const { value, mutation } = exploreOne(schedule, { at: [1, 2], kind: "step" }, [0.7]);
    expect(value).toEqual({ at: [3], kind: "cosine" });
    expect(mutation.operation).toBe("shift+1");
  });
});

describe("explore", () => {
  it("resamples a numeric parameter whose current value is missing or not a finite number", () => {
    const param: Hyperparameter = { init: { kind: "uniform", low: 0, high: 10 }, explore: { kind: "perturb" } };
    expect(exploreOne(param, undefined, [0.5])).toEqual({ value: 5, mutation: { parameter: "p", old: null, new: 5, operation: "resample" } });
    expect(exploreOne(param, "fast", [0.5]).mutation).toEqual({ parameter: "p", old: "fast", new: 5, operation: "resample" });
    expect(exploreOne(param, null, [0.5]).value).toBe(5);
    expect(exploreOne(param, Number.NaN, [0.5]).value).toBe(5);
  });

  it("never changes parameters without an explore strategy and records no mutation for them", () => {
    const rng = scriptedRng([0]);
    const result = explore(
      { fixed: { init: { kind: "uniform", low: 0, high: 1 } }, lr: { ...lr, explore: { kind: "perturb", factors: [2] } } },
      { fixed: 0.3, lr: 0.1 },
      rng,
    );
    expect(result.hyperparameters).toEqual({ fixed: 0.3, lr: 0.2 });
    expect(result.mutations.map((m) => m.parameter)).toEqual(["lr"]);
  });

  it("keeps values whose names the config does not list", () => {
    const result = explore({ lr }, { lr: 0.1, model_note: "resnet", extra: { a: 1 } }, scriptedRng([0.5]));
    expect(result.hyperparameters).toMatchObject({ model_note: "resnet", extra: { a: 1 } });
  });

  it("explores parameters in sorted name order, whatever order the config lists them in", () => {
    const twice: Hyperparameter = { init: { kind: "uniform", low: 0, high: 100 }, explore: { kind: "perturb", factors: [1, 2] } };
    // Draw 1 → factor 1, draw 2 → factor 2: "alpha" must take the first draw, "beta" the second.
    const result = explore({ beta: twice, alpha: twice }, { alpha: 10, beta: 10 }, scriptedRng([0.1, 0.9]));
    expect(result.hyperparameters).toEqual({ alpha: 10, beta: 20 });
    expect(result.mutations.map((m) => m.parameter)).toEqual(["alpha", "beta"]);
  });

  it("does not modify the values it was given", () => {
    const values = { lr: 0.1 };
    explore({ lr }, values, scriptedRng([0]));
    expect(values).toEqual({ lr: 0.1 });
  });

  it("resamples when a numeric strategy meets a choice parameter that bypassed validation", () => {
    // Numeric choices must not be multiplied: 2 * 1.2 is not one of the listed values.
    const odd = { init: { kind: "choice", values: [1, 2, 4] }, explore: { kind: "perturb" } } as Hyperparameter;
    expect(exploreOne(odd, 2, [0.9])).toEqual({ value: 4, mutation: { parameter: "p", old: 2, new: 4, operation: "resample" } });
  });
});

describe("jsonEqual", () => {
  it("compares JSON values deeply", () => {
    expect(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual("1", 1)).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});

describe("explore (properties)", () => {
  it("keeps every explored value inside the initial distribution's bounds, integers for int", () => {
    fc.assert(
      fc.property(numericDistribution, numericExplore, currentValue, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (init, how, old, seed) => {
        const values: Hyperparameters = old === undefined ? {} : { p: old };
        const { hyperparameters, mutations } = explore({ p: { init, explore: how } }, values, createRng(seed));
        const value = hyperparameters.p;
        expect(mutations).toHaveLength(1);
        expect(typeof value === "number" && Number.isFinite(value)).toBe(true);
        const range = bounds(init);
        if (range !== null) {
          expect(value).toBeGreaterThanOrEqual(range.low);
          expect(value).toBeLessThanOrEqual(range.high);
        }
        if (init.kind === "int") expect(Number.isInteger(value)).toBe(true);
        expect(mutations[0]?.new).toBe(value);
      }),
    );
  });

  it("keeps shifted choice values inside the list and at most one step away", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (values, at, seed) => {
        const index = at % values.length;
        const { hyperparameters } = explore({ p: { init: { kind: "choice", values }, explore: { kind: "shift" } } }, { p: values[index]! }, createRng(seed));
        const moved = values.indexOf(hyperparameters.p as number);
        expect(moved).toBeGreaterThanOrEqual(0);
        expect(Math.abs(moved - index)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("always changes an int by perturbation, unless it sits at the bound in the factor's direction", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.nat(),
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        (low, width, at, factor) => {
          fc.pre(factor !== 1);
          const high = low + width;
          const old = low + (at % (width + 1));
          const param: Hyperparameter = { init: { kind: "int", low, high }, explore: { kind: "perturb", factors: [factor] } };
          const value = explore({ p: param }, { p: old }, createRng(0)).hyperparameters.p as number;
          const direction = Math.sign(old * factor - old) || Math.sign(factor - 1);
          const atBound = direction > 0 ? old === high : old === low;
          if (atBound) expect(value).toBe(old);
          else {
            expect(value).not.toBe(old);
            expect(Math.sign(value - old)).toBe(direction);
          }
        },
      ),
    );
  });

  it("gives the same result for the same seed", () => {
    fc.assert(
      fc.property(numericDistribution, numericExplore, fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.nat(), (init, how, old, seed) => {
        const params = { p: { init, explore: how } };
        expect(explore(params, { p: old }, createRng(seed))).toEqual(explore(params, { p: old }, createRng(seed)));
      }),
    );
  });
});
