// Explore: how a member's hyperparameters change on the way into its next generation (after
// exploiting a donor, or on their own when the exploit strategy is `none`).
import {
  DEFAULT_MAX_FACTOR,
  DEFAULT_MIN_FACTOR,
  PB2_KINDS,
  type Distribution,
  type ExperimentConfig,
  type Explore,
  type Hyperparameter,
  type Hyperparameters,
  type Mutation,
} from "./config";
import { clampToDistribution, jsonEqual, sample, type JsonValue } from "./distributions";
import { choosePb2, type Pb2Choice, type Pb2Context } from "./pb2";
import type { Rng } from "./rng";

type Perturbation = Extract<Explore, { kind: "perturb" | "resample" }>;

const NUMERIC_KINDS: ReadonlySet<Distribution["kind"]> = new Set(["uniform", "loguniform", "normal", "int"]);

/**
 * Each hyperparameter with the strategy it is explored by: with experiment-level `pb2`, every
 * bounded numeric parameter that explores is explored by PB2 (the others keep their own).
 */
export function exploredHyperparameters(config: Pick<ExperimentConfig, "hyperparameters" | "explore">): Record<string, Hyperparameter> {
  if (config.explore?.kind !== "pb2") return config.hyperparameters;
  const params: Record<string, Hyperparameter> = {};
  for (const [name, param] of Object.entries(config.hyperparameters)) {
    const switched = PB2_KINDS.has(param.init.kind) && param.explore !== undefined && param.explore.kind !== "shift";
    params[name] = switched ? { ...param, explore: { kind: "pb2" } } : param;
  }
  return params;
}

/** Whether any hyperparameter is explored by PB2 (the shell then loads the history it needs). */
export function usesPb2(config: Pick<ExperimentConfig, "hyperparameters" | "explore">): boolean {
  return Object.values(exploredHyperparameters(config)).some((p) => p.explore?.kind === "pb2");
}

/**
 * `params` as exploredHyperparameters gives them. `pb2` is what PB2 decides on (the history, the
 * pending choices, the job being decided); the PB2-explored parameters are chosen together.
 */
export function explore(
  params: Record<string, Hyperparameter>,
  values: Hyperparameters,
  rng: Rng,
  pb2?: Pb2Context,
): { hyperparameters: Hyperparameters; mutations: Mutation[] } {
  // Unknown keys (e.g. added by hand to a manual job) ride along unchanged.
  const hyperparameters: Hyperparameters = { ...values };
  const mutations: Mutation[] = [];
  // Sorted by code unit, not locale, so the order of draws — and so the outcome — is the same
  // on every machine and whatever order the config's keys were written in.
  const names = Object.keys(params).sort();
  const pb2Params = names.flatMap((name): [string, Distribution][] => (params[name]?.explore?.kind === "pb2" ? [[name, params[name].init]] : []));
  const chosen: Pb2Choice | null = pb2Params.length > 0 && pb2 !== undefined ? choosePb2(pb2Params, values, pb2, rng) : null;
  for (const name of names) {
    const param = params[name];
    if (param?.explore === undefined) continue; // never changed during training
    const old = Object.hasOwn(values, name) ? (values[name] ?? null) : null;
    const picked = chosen?.values[name];
    const change = picked !== undefined ? { value: picked, operation: chosen!.operation } : exploreOne(param.init, param.explore, old, rng);
    hyperparameters[name] = change.value;
    // Recorded even when clamping left the value equal: the operation is what was done.
    mutations.push({ parameter: name, old, new: change.value, operation: change.operation });
  }
  return { hyperparameters, mutations };
}

interface Change {
  value: JsonValue;
  operation: string;
}

function exploreOne(init: Distribution, how: Explore, old: JsonValue, rng: Rng): Change {
  if (how.kind === "shift") return shift(init, old, rng);
  // PB2 without its context (which the engine always gives): a fresh draw is the honest fallback.
  if (how.kind === "pb2") return resample(init, rng);
  if (!NUMERIC_KINDS.has(init.kind)) {
    // perturb on a choice or const is refused by the config schema; if it arrives anyway
    // (unvalidated data), a fresh draw is the only meaningful move.
    if (how.kind !== "resample" || init.kind !== "choice") return resample(init, rng);
    // resample of a choice: from the prior with its probability, otherwise a step to a
    // neighbouring value (as Ray Tune does with categories).
    return rng.next() < how.probability ? resample(init, rng) : shift(init, old, rng);
  }
  // Missing, null or non-finite (e.g. edited by hand): there is nothing to multiply.
  if (typeof old !== "number" || !Number.isFinite(old)) return resample(init, rng);
  if (how.kind === "resample" && rng.next() < how.probability) return resample(init, rng);
  return perturb(init, how, old, rng);
}

function resample(init: Distribution, rng: Rng): Change {
  return { value: sample(init, rng), operation: "resample" };
}

function perturb(init: Distribution, how: Perturbation, old: number, rng: Rng): Change {
  const factor =
    how.factors !== undefined
      ? (how.factors[rng.int(0, how.factors.length - 1)] ?? 1)
      : uniformBetween(how.minFactor ?? DEFAULT_MIN_FACTOR, how.maxFactor ?? DEFAULT_MAX_FACTOR, rng);
  const value = clampToDistribution(init, old * factor);
  // Only an unbounded (normal) parameter can overflow; Infinity is not JSON, so start afresh.
  if (!Number.isFinite(value)) return resample(init, rng);
  const operation = `perturb*${formatFactor(factor)}`;
  if (init.kind === "int" && value === Math.round(old) && factor !== 1) {
    // Small integers (0, 1, 2) round back to themselves for any factor near 1: step by one in the
    // factor's direction instead, or they would never move. At a bound the clamp keeps them there.
    const direction = Math.sign(old * factor - old) || Math.sign(factor - 1);
    const stepped = clampToDistribution(init, Math.round(old) + direction);
    if (stepped !== value) return { value: stepped, operation: `${operation}, ${direction > 0 ? "+1" : "-1"}` };
  }
  return { value, operation };
}

function uniformBetween(low: number, high: number, rng: Rng): number {
  return low + (high - low) * rng.next();
}

/** Up to 4 significant digits, without trailing zeros: 1.2 → "1.2", 0.812345 → "0.8123". */
export function formatFactor(factor: number): string {
  return String(Number(factor.toPrecision(4)));
}

/**
 * Moves a choice parameter to a neighbouring value of its list: the natural small step for
 * ordered categories (batch sizes, optimiser schedules). Clamped at the ends, so the first value
 * asked to step down stays put.
 */
function shift(init: Distribution, old: JsonValue, rng: Rng): Change {
  if (init.kind !== "choice") return resample(init, rng);
  const index = init.values.findIndex((v) => jsonEqual(v, old));
  if (index === -1) return resample(init, rng);
  const step = rng.next() < 0.5 ? -1 : 1;
  const target = Math.min(init.values.length - 1, Math.max(0, index + step));
  return { value: structuredClone(init.values[target] ?? null), operation: step < 0 ? "shift-1" : "shift+1" };
}
