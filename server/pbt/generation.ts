// Generations in `sync` mode: the population moves forward together, as in the PBT paper's
// synchronous variant. The decisions for generation g + 1 are taken from the results of generation
// g alone, once (a quorum of) the population has settled g, so every exploit compares runs of the
// same depth and the same seed gives the same records whatever the workers' number and timing.
import type { ExperimentConfig } from "./config";
import { isFinished, settledGeneration, type MemberState } from "./member";

type Limits = Pick<ExperimentConfig, "maxRetries" | "stop" | "failedMembers" | "exploit" | "populationSize" | "syncQuorum">;

/** How many members must have settled a generation before the next one is decided. */
export function quorumSize(config: Pick<ExperimentConfig, "populationSize" | "syncQuorum">): number {
  return Math.max(1, Math.ceil(config.populationSize * config.syncQuorum - 1e-9));
}

/**
 * Whether generation `generation` is closed: enough members have settled it (finished it, or failed
 * it for good) or are finished altogether (a finished member will settle nothing more, and waiting
 * for it would stall the run forever).
 */
export function isGenerationClosed(generation: number, members: MemberState[], config: Limits): boolean {
  let settled = 0;
  for (const state of members) {
    if (isFinished(state, config) || settledGeneration(state, config) >= generation) settled++;
  }
  return settled >= quorumSize(config);
}
