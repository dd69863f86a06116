// Reading jobs and events, and pushing a job by hand.
import { fieldError, LineageError } from "../api/errors";
import type { Hyperparameters } from "../pbt/config";
import { sample, valueProblem } from "../pbt/distributions";
import { rngFor } from "../pbt/rng";
import { withExperiment } from "./experimentLock";
import { insertJob } from "./jobRows";
import { logJobCreated } from "./nextJob";
import { loadMembers } from "./population";
import { toEventView, toJobView, type EventView, type JobView } from "./views";
import type { SchedulerDeps } from "./deps";
import { getExperiment } from "./experiments";
import { cursorKey, pageOf, type Page } from "./pages";

export interface JobFilter {
  member?: number;
  status?: string;
}

export async function listJobs(
  deps: SchedulerDeps,
  name: string,
  filter: { member?: number; status?: string } = {},
): Promise<JobView[]> {
  return listJobsById(deps, (await getExperiment(deps, name)).id, filter);
}

export async function listJobsById(
  deps: SchedulerDeps,
  experimentId: number,
  filter: { member?: number; status?: string } = {},
): Promise<JobView[]> {
  const jobs = await deps.prisma.job.findMany({
    where: { experimentId, member: filter.member, status: filter.status },
    orderBy: { id: "asc" },
  });
  return jobs.map(toJobView);
}

/** A page of an experiment's jobs, oldest first (jobs created while paging come on later pages). */
export async function listJobsPage(
  deps: SchedulerDeps,
  name: string,
  options: JobFilter & { cursor?: string; limit: number },
): Promise<Page<JobView>> {
  const experiment = await getExperiment(deps, name);
  const after = cursorKey(options.cursor);
  const jobs = await deps.prisma.job.findMany({
    where: { experimentId: experiment.id, member: options.member, status: options.status, ...(after === undefined ? {} : { id: { gt: after } }) },
    orderBy: { id: "asc" },
    take: options.limit + 1,
  });
  return pageOf(jobs.map(toJobView), options.limit, (j) => j.id);
}

export async function getJob(deps: SchedulerDeps, id: number): Promise<JobView & { experiment: string }> {
  const job = await deps.prisma.job.findUnique({ where: { id }, include: { experiment: { select: { name: true } } } });
  if (!job) throw new LineageError("job_not_found", `no job with id ${id}`);
  return { ...toJobView(job), experiment: job.experiment.name };
}

/** Events after `afterSeq`, oldest first: what a reconnecting dashboard missed. */
export async function listEvents(deps: SchedulerDeps, name: string, afterSeq: number, limit = 1000): Promise<EventView[]> {
  const experiment = await getExperiment(deps, name);
  return listEventsById(deps, experiment.id, afterSeq, limit);
}

/** A page of an experiment's events after `afterSeq` (or the cursor), oldest first. */
export async function listEventsPage(
  deps: SchedulerDeps,
  name: string,
  options: { afterSeq?: number; cursor?: string; limit: number },
): Promise<Page<EventView>> {
  const experiment = await getExperiment(deps, name);
  const events = await listEventsById(deps, experiment.id, cursorKey(options.cursor) ?? options.afterSeq ?? 0, options.limit + 1);
  return pageOf(events, options.limit, (e) => e.seq);
}

export async function listEventsById(deps: SchedulerDeps, experimentId: number, afterSeq: number, limit = 1000): Promise<EventView[]> {
  const events = await deps.prisma.event.findMany({
    where: { experimentId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
  });
  return events.map(toEventView);
}

/**
 * Queues a job with hyperparameters chosen by a person. Without `member` it starts a new member
 * (while the population has room); with one, it becomes that member's next generation,
 * continuing from its latest finished job. Parameters left out are drawn from their prior.
 */
export async function pushJob(
  deps: SchedulerDeps,
  name: string,
  input: { hyperparameters: Hyperparameters; member?: number },
): Promise<JobView> {
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
    return toJobView(job);
  });
}
