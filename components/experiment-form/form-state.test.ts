// The new-experiment form's state: text as typed, turned into the config the server's schema
// checks, and filled back from a config (Clone, pasted JSON) without losing a field.
import { describe, expect, it } from "vitest";
import { experimentConfigSchema } from "@/server/pbt/config";
import { emptyRow, fromConfig, initialState, parseList, toConfig } from "./form-state";
import { validate } from "./validate";

/** A config that uses every field the form has and every kind of distribution and explore. */
const EVERYTHING = {
  name: "every field",
  objective: "minimize",
  metric: "loss",
  populationSize: 6,
  stop: { maxGenerations: 12, target: 0.01, maxJobs: 200 },
  mode: "sync",
  syncQuorum: 0.5,
  exploit: { kind: "tournament" },
  hyperparameters: {
    lr: { init: { kind: "loguniform", low: 0.0001, high: 0.1 }, explore: { kind: "perturb", factors: [0.8, 1.25] } },
    momentum: { init: { kind: "uniform", low: 0.5, high: 0.99 }, explore: { kind: "resample", probability: 0.3, minFactor: 0.9, maxFactor: 1.1 } },
    noise: { init: { kind: "normal", mean: 0, std: 2 }, explore: { kind: "perturb", minFactor: 0.5, maxFactor: 1.5 } },
    batch: { init: { kind: "int", low: 16, high: 256 }, explore: { kind: "perturb", minFactor: 0.8, maxFactor: 1.2 } },
    activation: { init: { kind: "choice", values: ["relu", "tanh", "gelu"], weights: [2, 1, 1] }, explore: { kind: "shift" } },
    layers: { init: { kind: "choice", values: [[64, 64], [128]] }, explore: { kind: "resample", probability: 0.5 } },
    optimizer: { init: { kind: "const", value: "adam" } },
    schedule: { init: { kind: "const", value: { warmup: 100 } } },
  },
  leaseSeconds: 120,
  maxRetries: 2,
  failedMembers: "drop",
  checkpoints: { retain: "all", keepLast: 3 },
  explore: { kind: "pb2" },
  seed: 42,
};

describe("form state", () => {
  it("starts as a valid config once it has a name", () => {
    const state = { ...initialState(), name: "first" };
    expect(experimentConfigSchema.safeParse(toConfig(state)).success).toBe(true);
    expect(validate(state).errors).toEqual({});
  });

  it("fills the form from a config and gives the same config back, field for field", () => {
    const original = experimentConfigSchema.parse(EVERYTHING);
    const state = fromConfig(EVERYTHING);
    expect(state.hyperparameters.map((r) => r.name)).toEqual(Object.keys(EVERYTHING.hyperparameters));
    expect(experimentConfigSchema.parse(toConfig(state))).toEqual(original);
    // And again: what the form writes, it reads back the same.
    expect(experimentConfigSchema.parse(toConfig(fromConfig(toConfig(state) as Record<string, unknown>)))).toEqual(original);
  });

  it("leaves empty fields out, so the schema's defaults apply", () => {
    const config = toConfig({ ...initialState(), name: "defaults", seed: "", target: " ", maxJobs: "" }) as Record<string, unknown>;
    expect(config).not.toHaveProperty("seed");
    expect(config.stop).toEqual({ maxGenerations: 20 });
    expect(config).not.toHaveProperty("syncQuorum"); // async mode
  });

  it("names the field of a value that is not a number, or missing", () => {
    const { errors } = validate({ ...initialState(), name: "bad", populationSize: "eight", leaseSeconds: "" });
    expect(errors.populationSize).toBe("must be a number");
    expect(errors.leaseSeconds).toBeUndefined(); // left out: the default applies
    const row = { ...emptyRow("lr"), low: "0.5", high: "0.1" };
    expect(Object.keys(validate({ ...initialState(), name: "bad range", hyperparameters: [row] }).errors)).toEqual(["hyperparameters.lr.init.high"]);
  });

  it("says so when two hyperparameters have the same name", () => {
    const state = { ...initialState(), name: "twice", hyperparameters: [emptyRow("lr"), emptyRow("lr")] };
    expect(validate(state).errors["hyperparameters.lr"]).toBe("two hyperparameters have this name");
  });

  it("gives choices and constants no perturb factors: they are resampled from their prior", () => {
    const row = { ...emptyRow("act"), kind: "choice" as const, values: "relu, tanh", explore: "resample" as const, factorMode: "factors" as const };
    const config = toConfig({ ...initialState(), name: "choice", hyperparameters: [row] }) as { hyperparameters: Record<string, unknown> };
    expect(config.hyperparameters.act).toEqual({ init: { kind: "choice", values: ["relu", "tanh"] }, explore: { kind: "resample", probability: 0.25 } });
  });
});

describe("parseList", () => {
  it("reads JSON lists and comma-separated values, numbers as numbers", () => {
    expect(parseList('["relu", 3, [1, 2]]')).toEqual(["relu", 3, [1, 2]]);
    expect(parseList("32, 64,128")).toEqual([32, 64, 128]);
    expect(parseList("relu, tanh")).toEqual(["relu", "tanh"]);
    expect(parseList("  ")).toBeUndefined();
    // Not JSON after all: read as comma-separated text.
    expect(parseList("[a, b")).toEqual(["[a", "b"]);
  });
});
