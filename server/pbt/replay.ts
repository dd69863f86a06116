// Replay: a member follows a schedule found before (replaySchema), one step per generation, from
// scratch and without exploit, as Ray Tune's PopulationBasedTrainingReplay does.
import type { Hyperparameters, Mutation, Replay } from "./config";
import { jsonEqual } from "./distributions";

/** The hyperparameters of `generation` (the last step's, past the end of the schedule). */
export function replayStep(replay: Replay, generation: number): Hyperparameters {
  const step = replay.steps[Math.min(generation, replay.steps.length - 1)]!;
  return structuredClone(step.hyperparameters);
}

/** The changes between two steps, recorded like explore's so the schedules chart shows them. */
export function replayMutations(before: Hyperparameters, after: Hyperparameters): Mutation[] {
  const mutations: Mutation[] = [];
  for (const name of Object.keys(after).sort()) {
    const old = Object.hasOwn(before, name) ? (before[name] ?? null) : null;
    const value = after[name] ?? null;
    if (!jsonEqual(old, value)) mutations.push({ parameter: name, old, new: value, operation: "replay" });
  }
  return mutations;
}
