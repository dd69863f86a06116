// A problem whose optimum moves with training time: the LR toy's progress (lrProgress: up when lr
// is within 3× of the optimal lr, down when it is more than 3× too high), but the optimal lr
// decays ten-fold every 500 steps, 0.01 at step 0 to 0.0001 at step 1,000, as learning-rate
// schedules do. In the LR toy the optimum follows the score; here it follows the step alone, so a
// fixed lr helps for a while and then, once the optimum has passed below a third of it, pushes the
// member back. Used by bench/quality.ts to compare PBT and PB2 when the best values change with time.
//
// Unlike Ray's toy, the noise is the evaluation's (added to the reported score, not kept by the
// model): Ray's N(0, 2) per step is kept, and selecting the luckiest members every generation then
// climbs on noise alone, whatever the lr.
import { lrConfig, lrProgress } from "./lrSchedule";
import type { ExperimentConfigInput } from "../../server/pbt/config";

/**
 * Following the optimum exactly gains 0.5 a step on average, 500 in 1,000 steps; staying 1.2× off
 * it, 420; 1.5× off, 335; the best fixed lr (0.0003), 145. 300 needs a schedule that follows the
 * decay within about 1.6×.
 */
export const MOVING_TARGET = 300;

export function movingOptimalLr(step: number): number {
  return 0.01 * Math.pow(10, -step / 500);
}

/** One training step at `step` (the model's steps so far, its donor's included): its true accuracy. */
export function movingTrainStep(accuracy: number, lr: number, step: number, rng: { next(): number }): number {
  return Math.max(0, lrProgress(accuracy, lr, movingOptimalLr(step), rng));
}

/** The score a worker reports: the true accuracy measured with N(0, 2) noise. */
export function movingEvaluate(accuracy: number, rng: { normal(): number }): number {
  return accuracy + 2 * rng.normal();
}

/** The LR toy's experiment (truncate 0.25, async, 5 steps a generation), lr on a log scale. */
export function movingConfig(name: string, seed: number, maxSteps: number, population: number, explore: "pbt" | "pb2"): ExperimentConfigInput {
  return lrConfig(name, seed, maxSteps, { population, explore, logScale: true });
}
