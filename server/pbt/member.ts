// A member is one slot of the population; these are the facts about it that scheduling needs,
// derived from its latest job and its latest finished job.
import type { ExperimentConfig, Hyperparameter, Hyperparameters, JobStatus } from "./config";
import { sample } from "./distributions";
import { rngFor } from "./rng";

/** A finished job: a checkpoint another job can continue from, and its score. */
export interface DoneJob {
  jobId: number;
  /** Lineage depth: the number of training segments behind this job's checkpoint, minus one. */
  generation: number;
  hyperparameters: Hyperparameters;
  /** null: the run diverged (the worker reported a non-finite metric). */
  score: number | null;
}

export interface MemberState {
  member: number;
  /** The member's latest job (the one created last). */
  latest: {
    jobId: number;
    generation: number;
    attempt: number;
    status: JobStatus;
    hyperparameters: Hyperparameters;
    /** Milliseconds since the epoch, passed in as plain data (the engine reads no clock). */
    finishedAt: number | null;
  };
  /** The member's latest *done* job, or null. */
  lastDone: DoneJob | null;
}

type Limits = Pick<ExperimentConfig, "maxRetries" | "stop" | "failedMembers" | "exploit">;

/**
 * Crashed with no retry left. Attempts count from 0, so `maxRetries` retries mean the attempt
 * numbered `maxRetries` is the last one.
 */
export function isExhausted(state: MemberState, config: Pick<ExperimentConfig, "maxRetries">): boolean {
  return state.latest.status === "crashed" && state.latest.attempt >= config.maxRetries;
}

/** The member's latest job finished with a diverged (non-finite) result. */
export function isDiverged(state: MemberState): boolean {
  return state.latest.status === "done" && state.lastDone !== null && state.lastDone.score === null;
}

/** A job of it is queued, running, or crashed with a retry to come: the member is not waiting for a decision. */
export function isInFlight(state: MemberState, config: Pick<ExperimentConfig, "maxRetries">): boolean {
  const { status } = state.latest;
  return status === "queued" || status === "running" || (status === "crashed" && !isExhausted(state, config));
}

/**
 * Failed (used up its retries, or diverged) and due to rejoin by copying a donor. A failed member
 * is never a donor and never counts in the ranking. Exhausted members rejoin unless the policy is
 * "drop"; with exploit "none" there is nobody to copy, so a failed member is dropped either way.
 */
export function needsReplacement(state: MemberState, config: Limits): boolean {
  if (config.exploit.kind === "none") return false;
  if (isExhausted(state, config)) return config.failedMembers === "replace";
  return isDiverged(state) && state.latest.generation < config.stop.maxGenerations - 1;
}

/** Nothing more will ever be scheduled for this member. Generations count from 0. */
export function isFinished(state: MemberState, config: Limits): boolean {
  if (isInFlight(state, config)) return false;
  if (needsReplacement(state, config)) return false;
  if (isExhausted(state, config) || isDiverged(state)) return true;
  return state.lastDone !== null && state.lastDone.generation >= config.stop.maxGenerations - 1;
}

/** Waiting for a decision: its latest job is done (or failed for good) and it is not finished. */
export function isReady(state: MemberState, config: Limits): boolean {
  if (isInFlight(state, config) || isFinished(state, config)) return false;
  return state.latest.status === "done" || needsReplacement(state, config);
}

/**
 * The generation a member has settled: the one its latest job finished or failed for good; one
 * before the generation it is still training.
 */
export function settledGeneration(state: MemberState, config: Pick<ExperimentConfig, "maxRetries">): number {
  return isInFlight(state, config) ? state.latest.generation - 1 : state.latest.generation;
}

/**
 * How far a member has come toward the stopping rule: its latest finished generation + 1 (the
 * training segments behind its latest checkpoint), at most maxGenerations. Progress summed over the
 * population; a copy jumps with its donor, so this, not the number of jobs, says how far a run is.
 */
export function depthReached(latestDoneGeneration: number | null, maxGenerations: number): number {
  return latestDoneGeneration === null ? 0 : Math.min(maxGenerations, latestDoneGeneration + 1);
}

/**
 * A new member's generation-0 hyperparameters. Each member draws from its own stream, so member
 * 3 gets the same values whether it is created first or last.
 */
export function initialHyperparameters(params: Record<string, Hyperparameter>, seed: number, member: number): Hyperparameters {
  const rng = rngFor(seed, "init", member);
  const values: Hyperparameters = {};
  // Sorted so the sequence of draws does not depend on the order the config lists parameters in.
  for (const name of Object.keys(params).sort()) {
    const param = params[name];
    if (param !== undefined) values[name] = sample(param.init, rng);
  }
  return values;
}
