// A member is one slot of the population; these are the facts about it that scheduling needs,
// derived from its latest job and its latest finished (scored) job.
import type { ExperimentConfig, Hyperparameter, Hyperparameters, JobStatus } from "./config";
import { sample } from "./distributions";
import { rngFor } from "./rng";

export interface MemberState {
  member: number;
  /** The member's latest job: highest generation, then highest attempt. */
  latest: {
    jobId: number;
    generation: number;
    attempt: number;
    status: JobStatus;
    hyperparameters: Hyperparameters;
    /** Milliseconds since the epoch, passed in as plain data (the engine reads no clock). */
    finishedAt: number | null;
  };
  /** The member's latest *done* job (the one that carries its score), or null. */
  lastDone: { jobId: number; generation: number; hyperparameters: Hyperparameters; score: number } | null;
}

type Limits = Pick<ExperimentConfig, "maxRetries" | "stop">;

/**
 * Crashed with no retry left. Attempts count from 0, so `maxRetries` retries mean the attempt
 * numbered `maxRetries` is the last one.
 */
export function isExhausted(state: MemberState, config: Pick<ExperimentConfig, "maxRetries">): boolean {
  return state.latest.status === "crashed" && state.latest.attempt >= config.maxRetries;
}

/** Nothing more will ever be scheduled for this member. Generations count from 0. */
export function isFinished(state: MemberState, config: Limits): boolean {
  if (isExhausted(state, config)) return true;
  return state.lastDone !== null && state.lastDone.generation >= config.stop.maxGenerations - 1;
}

/** Waiting for its next generation: the latest job is done and the stopping rule not reached. */
export function isReady(state: MemberState, config: Limits): state is MemberState & { lastDone: NonNullable<MemberState["lastDone"]> } {
  return state.latest.status === "done" && state.lastDone !== null && !isFinished(state, config);
}

/**
 * A new member's generation-0 hyperparameters. Each member draws from its own stream, so member
 * 3 gets the same values whether it is created first or last.
 */
export function initialHyperparameters(
  params: Record<string, Hyperparameter>,
  seed: number,
  member: number,
): Hyperparameters {
  const rng = rngFor(seed, "init", member);
  const values: Hyperparameters = {};
  // Sorted so the sequence of draws does not depend on the order the config lists parameters in.
  for (const name of Object.keys(params).sort()) {
    const param = params[name];
    if (param !== undefined) values[name] = sample(param.init, rng);
  }
  return values;
}
