// Generations in `sync` mode: the population moves forward together, like the original PBT
// paper's synchronous variant, so every exploit decision compares runs of the same age.
import type { ExperimentConfig } from "./config";
import { isFinished, type MemberState } from "./member";

/**
 * The newest generation every unfinished member has completed (-1 while any of them has not
 * completed generation 0); null when every member is finished.
 *
 * Finished members (stopped or exhausted) never block: an exhausted member will not complete
 * another generation, and waiting for it would stall the experiment forever.
 */
export function completedByAll(members: MemberState[], config: Pick<ExperimentConfig, "maxRetries" | "stop">): number | null {
  let lowest: number | null = null;
  for (const state of members) {
    if (isFinished(state, config)) continue;
    const generation = state.lastDone?.generation ?? -1;
    lowest = lowest === null ? generation : Math.min(lowest, generation);
  }
  return lowest;
}

/**
 * In sync mode, generation g+1 of a member starts only once every member of the (full)
 * population is finished or has completed generation g. A ready member that completed g is
 * itself unfinished, so the rule reduces to: g equals the lowest completed generation among
 * unfinished members. (It can never be lower than that minimum, since it is part of it.)
 * The caller guarantees the population is full: until it is, new members come first.
 */
export function mayStartNextGeneration(
  completedGeneration: number,
  members: MemberState[],
  config: Pick<ExperimentConfig, "maxRetries" | "stop">,
): boolean {
  const lowest = completedByAll(members, config);
  return lowest === null || completedGeneration <= lowest;
}
