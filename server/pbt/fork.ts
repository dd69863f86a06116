// Fork: a new experiment whose population starts from another job's checkpoint and hyperparameters
// ("Continue from here"), under its own config.
import type { ExperimentConfig, Hyperparameters, Mutation } from "./config";
import { clampToDistribution, sample, valueProblem } from "./distributions";
import { explore, exploredHyperparameters } from "./explore";
import { rngFor } from "./rng";

/** What a forked member's first job is made of. */
export interface ForkStart {
  /** One deeper than the source job: generation counts the training behind a checkpoint. */
  generation: number;
  /**
   * The job whose checkpoint the member continues: the source job. Its results are copied into
   * the new job (so `model_path` points at its checkpoint), as for any parent; a checkpoint stored
   * on the server is the parent's, which the fork pins in its experiment (scheduler/checkpoints.ts).
   */
  parentJobId: number;
  hyperparameters: Hyperparameters;
  mutations: Mutation[];
}

/**
 * Member 0 starts with the source job's values; the others with those values explored by the new
 * config's strategies, so the population spreads around the point it was forked at. A value the
 * new search space cannot hold is clamped into its bounds (numbers) or drawn from it.
 */
export function forkStart(config: ExperimentConfig, member: number): ForkStart {
  const fork = config.fork;
  if (!fork || fork.generation === undefined || fork.hyperparameters === undefined) {
    throw new Error("a forked experiment's config names its source job's generation and hyperparameters");
  }
  const rng = rngFor(config.seed, "fork", member);
  const start: Hyperparameters = {};
  for (const name of Object.keys(config.hyperparameters).sort()) {
    const init = config.hyperparameters[name]!.init;
    const value = Object.hasOwn(fork.hyperparameters, name) ? (fork.hyperparameters[name] ?? null) : undefined;
    if (value !== undefined && valueProblem(init, value) === null) start[name] = value;
    else if (typeof value === "number" && Number.isFinite(value) && valueProblem(init, clampToDistribution(init, value)) === null)
      start[name] = clampToDistribution(init, value);
    else start[name] = sample(init, rng);
  }
  const explored = member === 0 ? { hyperparameters: start, mutations: [] } : explore(exploredHyperparameters(config), start, rng);
  return { generation: fork.generation + 1, parentJobId: fork.jobId, ...explored };
}
