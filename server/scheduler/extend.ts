// Extend: raise an experiment's stopping rule (maxGenerations, or the job budget) while it runs
// or after it is done; every member carries on from its latest finished job.
import { fieldError, LineageError } from "../domain/errors";
import type { Experiment } from "../domain/experiment";
import { targetReachedBy } from "../pbt/stopping";
import type { ExperimentConfig } from "../pbt/config";
import type { ExperimentRow } from "../db/rows";
import { experimentOf, withExperiment } from "./experimentLock";
import { loadMembers } from "./population";
import type { SchedulerDeps } from "./deps";

export interface Extension {
  maxGenerations?: number;
  maxJobs?: number;
}

/**
 * Stores the raised stopping rule; a done experiment runs again. Lowering a limit is refused (the
 * members past it could not be undone), and so is extending an experiment whose target score was
 * reached (it would be done again at once: nothing would run).
 */
export async function extendExperiment(deps: SchedulerDeps, name: string, extension: Extension): Promise<Experiment> {
  const experiment = await withExperiment(deps, { name }, async (tx, experiment, log) => {
    const { config } = experiment;
    const from = config.stop;
    if (extension.maxGenerations === undefined && extension.maxJobs === undefined) {
      throw fieldError("invalid_input", "maxGenerations", "give maxGenerations or maxJobs (or both)", "a number above the current limit");
    }
    if (extension.maxGenerations !== undefined && extension.maxGenerations < from.maxGenerations) {
      throw fieldError(
        "invalid_input",
        "maxGenerations",
        `must be at least ${from.maxGenerations}, the current limit: an experiment is extended, not shortened`,
        `an integer ≥ ${from.maxGenerations}`,
      );
    }
    if (extension.maxJobs !== undefined && from.maxJobs !== undefined && extension.maxJobs < from.maxJobs) {
      throw fieldError("invalid_input", "maxJobs", `must be at least ${from.maxJobs}, the current budget`, `an integer ≥ ${from.maxJobs}`);
    }
    const steps = config.replay?.steps.length;
    if (steps !== undefined && (extension.maxGenerations ?? 0) > steps) {
      throw fieldError(
        "invalid_input",
        "maxGenerations",
        `a replay follows its schedule of ${steps} steps: at most ${steps} generations`,
        `an integer ≤ ${steps}`,
      );
    }
    const to: ExperimentConfig["stop"] = {
      ...from,
      maxGenerations: extension.maxGenerations ?? from.maxGenerations,
      ...(extension.maxJobs !== undefined ? { maxJobs: extension.maxJobs } : {}),
    };
    if (to.maxGenerations === from.maxGenerations && to.maxJobs === from.maxJobs) return experiment;
    const members = await loadMembers(tx, experiment.id, config.populationSize);
    const reached = targetReachedBy(members, config);
    if (reached !== null) {
      throw new LineageError(
        "invalid_state",
        `job ${reached.jobId} reached the target score ${from.target}: extending would end the experiment again at once`,
        [{ field: "target", message: "already reached" }],
      );
    }
    const stored: ExperimentConfig = { ...config, stop: to };
    const rows = await tx.query<ExperimentRow>`
      UPDATE "Experiment" SET config = ${JSON.stringify(stored)}::jsonb,
        status = CASE WHEN status = 'done' THEN 'running' ELSE status END, "updatedAt" = now() AT TIME ZONE 'UTC'
      WHERE id = ${experiment.id} RETURNING *`;
    log.add("experiment.extended", { data: { from, to } });
    if (experiment.status === "done") log.add("experiment.status", { data: { from: "done", to: "running", reason: "extended" } });
    experiment.config = stored;
    experiment.status = rows[0]!.status as Experiment["status"];
    experiment.updatedAt = rows[0]!.updatedAt;
    return experiment;
  });
  deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "updated" });
  return experimentOf(experiment);
}
