// The learning-rate-schedule toy of Ray Tune's pbt_function.py: accuracy grows fastest when lr is
// close to an optimal lr that depends on the current accuracy (a triangle: 0.001 at 0, 0.01 at
// 100, 0.001 at 200), so only a schedule of learning rates reaches accuracy 200 quickly. Used by
// bench/quality.ts and by the tests that run PBT to the end through the real server.
import type { ExperimentConfigInput } from "../../server/pbt/config";

export const LR_POPULATION = 8;
/** Ray's perturbation_interval. */
export const LR_STEPS_PER_JOB = 5;
export const LR_TARGET = 200;

export function lrTrainStep(accuracy: number, lr: number, rng: { next(): number; normal(): number }): number {
  const midpoint = 100;
  let optimal = accuracy < midpoint ? (0.01 * accuracy) / midpoint : 0.01 - (0.01 * (accuracy - midpoint)) / midpoint;
  optimal = Math.min(0.01, Math.max(0.001, optimal));
  const noiseLevel = 2;
  return Math.max(0, lrProgress(accuracy, lr, optimal, rng) + noiseLevel * rng.normal());
}

/**
 * One step's progress given the optimal lr, without Ray's noise: up when lr is within 3× of it
 * (the closer, the more), down when lr is more than 3× too high.
 */
export function lrProgress(accuracy: number, lr: number, optimal: number, rng: { next(): number }): number {
  const qTolerance = 3;
  const qErr = Math.max(lr, optimal) / Math.min(lr, optimal);
  if (qErr < qTolerance) return accuracy + (1 / qErr) * rng.next();
  if (lr > optimal) return accuracy - (qErr - qTolerance) * rng.next();
  return accuracy;
}

export interface LrVariant {
  population?: number;
  explore?: "pbt" | "pb2";
  /** The lr's range on a log scale (loguniform), as learning rates are usually searched; Ray's example has uniform. */
  logScale?: boolean;
}

/** `variant` varies it: PB2's paper compares PB2 with PBT at population 4. */
export function lrConfig(name: string, seed: number, maxSteps: number, variant: LrVariant = {}): ExperimentConfigInput {
  return {
    name,
    objective: "maximize",
    metric: "mean_accuracy",
    populationSize: variant.population ?? LR_POPULATION,
    ...(variant.explore === "pb2" ? { explore: { kind: "pb2" as const } } : {}),
    stop: { maxGenerations: Math.ceil(maxSteps / LR_STEPS_PER_JOB) },
    mode: "async",
    // Ray's defaults: quantile_fraction 0.25, resample_probability 0.25, factors 0.8 / 1.2.
    exploit: { kind: "truncate", fraction: 0.25 },
    hyperparameters: {
      lr: {
        init: { kind: variant.logScale ? "loguniform" : "uniform", low: 0.0001, high: 0.02 },
        explore: { kind: "resample", probability: 0.25, factors: [0.8, 1.2] },
      },
    },
    leaseSeconds: 300,
    maxRetries: 0,
    seed,
  };
}
