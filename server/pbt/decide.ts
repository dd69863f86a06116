// The decision of what to hand out next once no queued job exists (cases 2–5 of DESIGN §1;
// case 1, handing out the oldest queued job, is the database layer's). A pure function of the
// population's state: the scheduler applies the decision inside its transaction.
import type { ExperimentConfig, ExploitReason, Hyperparameters, Mutation } from "./config";
import { chooseDonor, chooseRejoinDonor, type Contender } from "./exploit";
import { explore, exploredHyperparameters, usesPb2 } from "./explore";
import { forkStart } from "./fork";
import { isGenerationClosed } from "./generation";
import {
  initialHyperparameters,
  isDiverged,
  isExhausted,
  isFinished,
  isInFlight,
  isReady,
  needsReplacement,
  settledGeneration,
  type DoneJob,
  type MemberState,
} from "./member";
import { pb2Window, PB2_PENDING, type Pb2Context, type Pb2Pending, type Pb2Point } from "./pb2";
import { replayMutations, replayStep } from "./replay";
import { rngFor, type Rng } from "./rng";
import { budgetLeft, targetReachedBy } from "./stopping";

export type { MemberState, DoneJob } from "./member";

/** A done job of a generation being ranked in sync mode. */
export interface GenerationResult extends DoneJob {
  member: number;
}

export interface PopulationState {
  config: ExperimentConfig;
  members: MemberState[];
  /**
   * sync mode only: every done job of the generations `generationsToRank` names. The shell loads
   * them, because a member may have finished a later generation since.
   */
  generationResults?: GenerationResult[];
  /** Training jobs created so far (retries not counted); needed only with `stop.maxJobs`. */
  jobsCreated?: number;
  /**
   * PB2 only: recent done jobs with their parents' scores (pb2.ts's window: the newest PB2_HISTORY;
   * in sync mode whole generations up to the one being ranked, so timing cannot change it).
   */
  pb2History?: Pb2Point[];
}

export type Decision =
  | {
      kind: "new-member";
      member: number;
      /** 0; a forked member starts one deeper than the job it continues. */
      generation: number;
      /** null; a forked member's parent is the source job (fork.ts). */
      parentJobId: number | null;
      origin: "initial" | "fork";
      hyperparameters: Hyperparameters;
      mutations: Mutation[];
    }
  | {
      kind: "next-generation";
      member: number;
      /** The parent's generation + 1: after an exploit, the donor's + 1. */
      generation: number;
      parentJobId: number;
      origin: "continue" | "exploit";
      donor: { member: number; jobId: number; generation: number } | null;
      /** Why the member exploited; null when it continues its own run. */
      reason: ExploitReason | null;
      hyperparameters: Hyperparameters;
      mutations: Mutation[];
    }
  | { kind: "done"; reason: string }
  | { kind: "wait"; reason: "busy" | "sync-barrier" };

type NextGeneration = Extract<Decision, { kind: "next-generation" }>;

export function decideNext(state: PopulationState): Decision {
  const { config } = state;
  // Sorted once, so nothing below can depend on the order the database returned rows in.
  const members = [...state.members].sort((a, b) => a.member - b.member);
  for (let i = 1; i < members.length; i++) {
    if (members[i]?.member === members[i - 1]?.member) {
      throw new Error(`member ${members[i]?.member} appears twice in the population state`);
    }
  }

  const target = targetReachedBy(members, config);
  if (target !== null) return { kind: "done", reason: `job ${target.jobId} reached the target score ${config.stop.target}` };
  const mayCreate = budgetLeft(config, state.jobsCreated);

  // Case 2: fill the population first (in sync mode too: generation 0 needs everyone).
  const missing = firstMissingMember(members, config.populationSize);
  if (missing !== null && mayCreate) return newMember(config, missing);

  // Case 3: the ready member that has waited longest moves on to its next generation (a failed
  // member waits while nobody can donate to it).
  const ready = members.filter((m) => isReady(m, config));
  const startable =
    missing !== null || !mayCreate
      ? []
      : config.mode === "sync"
        ? ready.filter((m) => isGenerationClosed(settledGeneration(m, config), members, config))
        : ready;
  for (const member of waitedLongestFirst(startable)) {
    const decision = nextGeneration(member, members, state);
    if (decision !== null) return decision;
  }

  // Case 4: nothing is training and nothing can start: nothing will ever change again.
  if (!members.some((m) => isInFlight(m, config))) return { kind: "done", reason: doneReason(members, state, mayCreate) };

  // Case 5: jobs are out with workers (or retries pending); ask again later.
  const held = config.mode === "sync" && mayCreate && startable.length < ready.length;
  return { kind: "wait", reason: held ? "sync-barrier" : "busy" };
}

/**
 * The generations whose done jobs a sync decision ranks (`PopulationState.generationResults`):
 * those that ready members have settled. Empty in async mode, which ranks latest scores.
 */
export function generationsToRank(members: MemberState[], config: ExperimentConfig): number[] {
  if (config.mode !== "sync") return [];
  const generations = new Set(members.filter((m) => isReady(m, config)).map((m) => settledGeneration(m, config)));
  return [...generations].sort((a, b) => a - b);
}

function doneReason(members: MemberState[], state: PopulationState, mayCreate: boolean): string {
  if (!mayCreate) return `the budget of ${state.config.stop.maxJobs} jobs is used`;
  if (members.every((m) => isFinished(m, state.config))) return "every member reached the stopping rule";
  return "no member can continue: the failed members have no donor left to copy";
}

/** A new member's first job: drawn from the priors, the schedule's first step (replay), or the source job's checkpoint (fork). */
function newMember(config: ExperimentConfig, member: number): Extract<Decision, { kind: "new-member" }> {
  if (config.fork) {
    const start = forkStart(config, member);
    return { kind: "new-member", member, origin: "fork", ...start };
  }
  const hyperparameters = config.replay ? replayStep(config.replay, 0) : initialHyperparameters(config.hyperparameters, config.seed, member);
  return { kind: "new-member", member, generation: 0, parentJobId: null, origin: "initial", hyperparameters, mutations: [] };
}

/** The smallest member index in 0..populationSize-1 that has no member yet, or null. */
function firstMissingMember(members: MemberState[], populationSize: number): number | null {
  const present = new Set(members.map((m) => m.member));
  for (let member = 0; member < populationSize; member++) {
    if (!present.has(member)) return member;
  }
  return null;
}

/**
 * Smallest `finishedAt` first, then the older job (a batch finishes many jobs at one instant). A
 * job without a finish time (which the database should never produce) counts as having waited
 * longest rather than starving.
 */
function waitedLongestFirst(ready: MemberState[]): MemberState[] {
  const finishedAt = (m: MemberState) => m.latest.finishedAt ?? Number.NEGATIVE_INFINITY;
  return [...ready].sort((a, b) => {
    if (finishedAt(a) < finishedAt(b)) return -1;
    if (finishedAt(a) > finishedAt(b)) return 1;
    return a.latest.jobId - b.latest.jobId || a.member - b.member;
  });
}

/** The jobs a decision may copy, by member: healthy members' latest results (async) or generation g's (sync). */
function rankedJobs(from: number, members: MemberState[], state: PopulationState): Map<number, DoneJob> {
  const { config } = state;
  const jobs = new Map<number, DoneJob>();
  if (config.mode === "sync") {
    if (state.generationResults === undefined) throw new Error("sync decisions need the results of the generation they rank");
    // Generation g's results alone, whatever happened since: the same for every member decided on them.
    for (const result of state.generationResults) if (result.generation === from) jobs.set(result.member, result);
    return jobs;
  }
  for (const m of members) {
    // A member out of retries is left out of the ranking, however good its last score.
    if (m.lastDone !== null && !isExhausted(m, config)) jobs.set(m.member, m.lastDone);
  }
  return jobs;
}

function nextGeneration(member: MemberState, members: MemberState[], state: PopulationState): NextGeneration | null {
  const { config } = state;
  const from = settledGeneration(member, config);
  const jobs = rankedJobs(from, members, state);
  const contenders: Contender[] = [];
  for (const [m, job] of jobs) {
    // Diverged results rank below every finite score: they are left out, and replaced themselves.
    if (job.score === null) continue;
    contenders.push({ member: m, score: job.score, canDonate: job.generation + 1 < config.stop.maxGenerations });
  }
  // Each decision draws from a stream named after it (member and the generation it decides), so it
  // does not depend on how many other decisions came first. In async mode a member can come back to
  // a generation after copying a donor behind it, so the job it decides after is part of the name.
  const key = config.mode === "sync" ? [member.member, from + 1] : [member.member, from + 1, member.latest.jobId];
  const rng = (kind: string) => rngFor(config.seed, kind, ...key);

  const pb2 = (start: DoneJob) => pb2Context(state, members, member.member, from, start, jobs, contenders);

  if (needsReplacement(member, config)) {
    const donor = chooseRejoinDonor(config.exploit, config.objective, member.member, contenders, rng("exploit"));
    if (donor === null) return null;
    const donorJob = jobs.get(donor)!;
    return exploit(member.member, donor, donorJob, isDiverged(member) ? "diverged" : "exhausted", config, rng("explore"), pb2(donorJob));
  }

  const own = member.lastDone!;
  if (config.replay) {
    // A replay follows its schedule: the next step's values, whatever the others score.
    const hyperparameters = replayStep(config.replay, own.generation + 1);
    return {
      kind: "next-generation",
      member: member.member,
      generation: own.generation + 1,
      parentJobId: own.jobId,
      origin: "continue",
      donor: null,
      reason: null,
      hyperparameters,
      mutations: replayMutations(own.hyperparameters, hyperparameters),
    };
  }
  const choice = chooseDonor(config.exploit, config.objective, member.member, contenders, rng("exploit"));
  if (choice !== null) {
    const donorJob = jobs.get(choice.member)!;
    return exploit(member.member, choice.member, donorJob, choice.reason, config, rng("explore"), pb2(donorJob));
  }

  // Explore-only PBT explores a member's own values (with no copying it is the only way a schedule
  // changes); otherwise a member that kept its place continues unchanged, as in the paper.
  const explored =
    config.exploit.kind === "none"
      ? explore(exploredHyperparameters(config), own.hyperparameters, rng("explore"), pb2(own))
      : { hyperparameters: { ...own.hyperparameters }, mutations: [] };
  return {
    kind: "next-generation",
    member: member.member,
    generation: own.generation + 1,
    parentJobId: own.jobId,
    origin: "continue",
    donor: null,
    reason: null,
    ...explored,
  };
}

/** Continue from the donor's checkpoint with its hyperparameters, explored: one generation deeper than the donor. */
function exploit(
  member: number,
  donorMember: number,
  donor: DoneJob,
  reason: ExploitReason,
  config: ExperimentConfig,
  rng: Rng,
  pb2: Pb2Context | undefined,
): NextGeneration {
  const explored = explore(exploredHyperparameters(config), donor.hyperparameters, rng, pb2);
  return {
    kind: "next-generation",
    member,
    generation: donor.generation + 1,
    parentJobId: donor.jobId,
    origin: "exploit",
    donor: { member: donorMember, jobId: donor.jobId, generation: donor.generation },
    reason,
    ...explored,
  };
}

/**
 * What PB2 decides on for a job that starts from `start` (undefined when nothing uses PB2). The
 * pending choices are the jobs of the next generation being trained now. In async mode those are
 * the members in flight, whatever the timing made them. In sync mode that would break "the same
 * seed gives the same records": there the pending choices are those of the members before this one
 * in member order, computed as their own decisions compute them (and kept, see syncChoices).
 */
function pb2Context(
  state: PopulationState,
  members: MemberState[],
  member: number,
  from: number,
  start: DoneJob,
  jobs: Map<number, DoneJob>,
  contenders: Contender[],
): Pb2Context | undefined {
  const { config } = state;
  if (!usesPb2(config)) return undefined;
  const next = { generation: start.generation + 1, parentScore: start.score };
  if (config.mode !== "sync") {
    const pending: Pb2Pending[] = members
      .filter((m) => m.member !== member && isInFlight(m, config))
      .sort((a, b) => b.latest.jobId - a.latest.jobId)
      .slice(0, PB2_PENDING)
      .map((m) => ({ generation: m.latest.generation, hyperparameters: m.latest.hyperparameters }));
    return { objective: config.objective, history: state.pb2History ?? [], pending, next };
  }
  // Generation `from` and before: a member may already have finished the next one.
  const history = pb2Window((state.pb2History ?? []).filter((p) => p.generation <= from));
  return { objective: config.objective, history, pending: syncPending(config, member, from, history, jobs, contenders), next };
}

/** In sync mode, the next-generation jobs of the members before `member`, as their decisions make them. */
function syncPending(
  config: ExperimentConfig,
  member: number,
  from: number,
  history: Pb2Point[],
  jobs: Map<number, DoneJob>,
  contenders: Contender[],
): Pb2Pending[] {
  const pending: Pb2Pending[] = [];
  const earlier = [...jobs.keys()].filter((m) => m < member).sort((a, b) => a - b);
  for (const m of earlier) {
    const own = jobs.get(m)!;
    if (own.score === null) continue; // diverged: it rejoins through a donor, decided on its own
    const rng = (kind: string) => rngFor(config.seed, kind, m, from + 1);
    const choice = chooseDonor(config.exploit, config.objective, m, contenders, rng("exploit"));
    const start = choice !== null ? jobs.get(choice.member)! : own;
    let hyperparameters = own.hyperparameters;
    if (choice !== null || config.exploit.kind === "none") {
      const key = JSON.stringify([config.seed, config.name, from, m, start.jobId, history.map((p) => [p.jobId, p.score])]);
      hyperparameters =
        syncChoices.get(key) ??
        remember(
          key,
          explore(exploredHyperparameters(config), start.hyperparameters, rng("explore"), {
            objective: config.objective,
            history,
            pending: pending.slice(-PB2_PENDING).reverse(),
            next: { generation: start.generation + 1, parentScore: start.score },
          }).hyperparameters,
        );
    }
    pending.push({ generation: start.generation + 1, hyperparameters });
  }
  // Newest first, as in async mode.
  return pending.slice(-PB2_PENDING).reverse();
}

/**
 * The sync choices computed so far: each decision of a generation needs those of the members
 * before it, so without this a generation would cost a number of PB2 choices quadratic in the
 * population. Keyed by everything the choice depends on, so a hit returns what a computation would.
 */
const syncChoices = new Map<string, Hyperparameters>();
const SYNC_CHOICES_KEPT = 1024;

function remember(key: string, hyperparameters: Hyperparameters): Hyperparameters {
  syncChoices.set(key, hyperparameters);
  if (syncChoices.size > SYNC_CHOICES_KEPT) syncChoices.delete(syncChoices.keys().next().value!);
  return hyperparameters;
}
