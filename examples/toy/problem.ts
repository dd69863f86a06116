// The toy problem of Jaderberg et al. 2017 (§2, Fig. 2): maximise Q(θ) = 1.2 − (θ0² + θ1²) when
// training can only follow the surrogate Q̂(θ|h) = 1.2 − (h0·θ0² + h1·θ1²). With a fixed h of
// (1, 0) or (0, 1) gradient ascent stalls at Q = 0.39; PBT, by copying θ between members and
// moving h, reaches close to 1.2.
import type { ExperimentConfigInput } from "../../server/pbt/config";

export type Theta = [number, number];

export const INITIAL_THETA: Theta = [0.9, 0.9];
/** The paper's two members: each sees only one of the two terms. */
export const INITIAL_H: [number, number][] = [
  [1, 0],
  [0, 1],
];

export function q(theta: Theta): number {
  return 1.2 - (theta[0] ** 2 + theta[1] ** 2);
}

/** One step of gradient ascent on the surrogate: ∇Q̂ = −2·h⊙θ. */
export function step(theta: Theta, h: [number, number], learningRate: number): Theta {
  return [theta[0] - learningRate * 2 * h[0] * theta[0], theta[1] - learningRate * 2 * h[1] * theta[1]];
}

/**
 * The experiment: 2 members, exploit/explore after every job of `stepsPerJob` steps. A
 * multiplicative perturb of h = 0 stays 0, so explore resamples h from its prior some of the time.
 */
export function toyExperiment(name: string, options: { pbt: boolean; maxGenerations?: number; seed?: number }): ExperimentConfigInput {
  const h = options.pbt
    ? { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "resample", probability: 0.25 } }
    : { init: { kind: "uniform", low: 0, high: 1 } };
  return {
    name,
    objective: "maximize",
    metric: "Q",
    populationSize: 2,
    stop: { maxGenerations: options.maxGenerations ?? 40 },
    mode: "async",
    exploit: options.pbt ? { kind: "truncate", fraction: 0.5 } : { kind: "none" },
    hyperparameters: { h0: h, h1: h } as ExperimentConfigInput["hyperparameters"],
    leaseSeconds: 30,
    maxRetries: 3,
    seed: options.seed ?? 1,
  };
}
