// Where "Continue from here" leads: the new-experiment form, filled from the job's experiment.
import { newExperimentHref } from "../routes";

export function forkHref(experiment: string, jobId: number) {
  return `${newExperimentHref(experiment)}&fork=${jobId}`;
}
