// Pushing a job by hand: a person chooses the hyperparameters of a new member, or of a finished
// member's next generation.
import { fieldError, LineageError } from "../domain/errors";
import type { Job } from "../domain/job";
import type { Hyperparameters } from "../pbt/config";
import { sample, valueProblem } from "../pbt/distributions";
import { rngFor } from "../pbt/rng";
import { toJob } from "../db/rows";
import { withExperiment } from "./experimentLock";
import { insertJob } from "./jobRows";
import { logJobCreated } from "./nextJob";
import { loadMembers } from "./population";
import type { SchedulerDeps } from "./deps";

/**
 * Queues a job with hyperparameters chosen by a person. Without `member` it starts a new member
 * (while the population has room); with one, it becomes that member's next generation,
 * continuing from its latest finished job. Parameters left out are drawn from their prior.
 */
export async function pushJob(deps: SchedulerDeps, name: string, input: { hyperparameters: Hyperparameters; member?: number }): Promise<Job> {
  return withExperiment(deps, { name }, async (tx, experiment, log, now) => {
    const { config } = experiment;
    if (experiment.status === "done") {
      throw new LineageError("invalid_state", "the experiment is done; resume is not possible, create a new one (or clone it)");
    }
    for (const [key, value] of Object.entries(input.hyperparameters)) {
      // Own keys only: `toString` is a hyperparameter only if the config names it.
      if (!Object.hasOwn(config.hyperparameters, key)) {
        throw fieldError("invalid_input", `hyperparameters.${key}`, "unknown hyperparameter", Object.keys(config.hyperparameters).join(", "));
      }
      const problem = valueProblem(config.hyperparameters[key]!.init, value);
      if (problem) throw fieldError("invalid_input", `hyperparameters.${key}`, problem.message, problem.accepted);
    }
    const members = await loadMembers(tx, experiment.id, experiment.config.populationSize);
    const taken = new Set(members.map((m) => m.member));
    let member = input.member;
    if (member === undefined) {
      member = [...Array(config.populationSize).keys()].find((m) => !taken.has(m));
      if (member === undefined) {
        throw new LineageError("population_full", `all ${config.populationSize} members exist; give "member" to push a next generation of one of them`, [
          { field: "member", message: "required when the population is full", accepted: `0..${config.populationSize - 1}` },
        ]);
      }
    } else if (member >= config.populationSize) {
      throw fieldError("invalid_input", "member", `must be below the population size ${config.populationSize}`, `0..${config.populationSize - 1}`);
    }
    const state = members.find((m) => m.member === member);
    let generation = 0;
    let parentId: number | null = null;
    if (state) {
      if (state.latest.status !== "done" || !state.lastDone) {
        throw new LineageError("member_busy", `member ${member} has a ${state.latest.status} job; push once it is finished`, [
          { field: "member", message: `latest job is ${state.latest.status}` },
        ]);
      }
      if (state.lastDone.generation >= config.stop.maxGenerations - 1) {
        throw new LineageError("invalid_state", `member ${member} reached the stopping rule (${config.stop.maxGenerations} generations)`, [
          { field: "member", message: "finished" },
        ]);
      }
      generation = state.lastDone.generation + 1;
      parentId = state.lastDone.jobId;
    }
    const rng = rngFor(config.seed, "manual", member, generation);
    const hyperparameters: Hyperparameters = {};
    for (const key of Object.keys(config.hyperparameters).sort()) {
      hyperparameters[key] = Object.hasOwn(input.hyperparameters, key) ? input.hyperparameters[key]! : sample(config.hyperparameters[key]!.init, rng);
    }
    const job = await insertJob(tx, {
      experimentId: experiment.id,
      member,
      generation,
      attempt: 0,
      status: "queued",
      hyperparameters,
      parentId,
      origin: "manual",
      donorJobId: null,
      exploitReason: null,
      mutations: [],
      createdAt: now,
    });
    logJobCreated(log, job, hyperparameters);
    return toJob(job);
  });
}
