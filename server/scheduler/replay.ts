// Replay: a new experiment that follows a schedule exported by getSchedule (of this server or
// another), built by the engine's replayConfig and created like any other.
import { fieldError, LineageError, parseInput } from "../domain/errors";
import type { Experiment } from "../domain/experiment";
import { experimentConfigSchema } from "../pbt/config";
import { replayConfig, type ReplayRequest } from "../pbt/replay";
import { createExperiment } from "./experiments";
import type { SchedulerDeps } from "./deps";

export async function replaySchedule(deps: SchedulerDeps, request: ReplayRequest): Promise<Experiment> {
  const steps = request.schedule.schedule?.steps ?? [];
  // Generation is lineage depth: a schedule's steps run 0, 1, 2, … and a replay trains one per generation.
  steps.forEach((step, i) => {
    if (step.generation !== i) {
      throw fieldError(
        "invalid_input",
        `schedule.schedule.steps.${i}.generation`,
        `must be ${i}: a schedule's steps run 0, 1, 2, … (generation 0 first)`,
        String(i),
      );
    }
  });
  const config = replayConfig(request);
  if (config === null) {
    throw new LineageError("invalid_input", "schedule.schedule: the export holds no schedule (no job of that experiment had finished)", [
      { field: "schedule.schedule", message: "null: nothing to replay", accepted: "a schedule with at least one step" },
    ]);
  }
  return createExperiment(deps, parseInput(experimentConfigSchema, config));
}
