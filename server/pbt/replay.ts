// Replay: a member follows a schedule found before (replaySchema), one step per generation, from
// scratch and without exploit, as Ray Tune's PopulationBasedTrainingReplay does.
import type { Distribution, ExperimentConfigInput, Hyperparameters, Mutation, Replay } from "./config";
import { jsonEqual, type JsonValue } from "./distributions";

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

/** A schedule as getSchedule exports it (server/api/operations/getSchedule.ts): what a replay reads. */
export interface ScheduleExport {
  experiment: string;
  objective: "maximize" | "minimize";
  metric: string;
  schedule: {
    bestJobId: number;
    score: number | null;
    steps: { generation: number; score: number | null; hyperparameters: Hyperparameters }[];
  } | null;
}

export interface ReplayRequest {
  /** The new experiment's name. */
  name: string;
  schedule: ScheduleExport;
  /** Members, each following the schedule with its own worker-side randomness (default 1). */
  seeds?: number;
  leaseSeconds?: number;
  maxRetries?: number;
}

/**
 * The config of an experiment that replays `schedule`: one member per seed, one generation per
 * step, no exploit. Each hyperparameter is declared by the values the schedule takes (declared),
 * so jobs pushed by hand are checked against them; nothing is explored.
 * Null when the export holds no schedule (nothing had finished).
 */
export function replayConfig(request: ReplayRequest): ExperimentConfigInput | null {
  const { schedule } = request.schedule;
  if (schedule === null) return null;
  const values = new Map<string, JsonValue[]>();
  for (const step of schedule.steps) {
    for (const [name, value] of Object.entries(step.hyperparameters)) {
      const seen = values.get(name) ?? [];
      if (!seen.some((v) => jsonEqual(v, value ?? null))) seen.push(value ?? null);
      values.set(name, seen);
    }
  }
  const hyperparameters: ExperimentConfigInput["hyperparameters"] = {};
  for (const [name, seen] of [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hyperparameters[name] = { init: declared(seen) };
  return {
    name: request.name,
    objective: request.schedule.objective,
    metric: request.schedule.metric,
    populationSize: request.seeds ?? 1,
    stop: { maxGenerations: schedule.steps.length },
    exploit: { kind: "none" },
    hyperparameters,
    ...(request.leaseSeconds !== undefined ? { leaseSeconds: request.leaseSeconds } : {}),
    ...(request.maxRetries !== undefined ? { maxRetries: request.maxRetries } : {}),
    replay: {
      source: { experiment: request.schedule.experiment, jobId: schedule.bestJobId, metric: request.schedule.metric, objective: request.schedule.objective },
      steps: schedule.steps.map((s) => ({ hyperparameters: s.hyperparameters, score: s.score })),
    },
  };
}

/** The narrowest distribution that holds every value the schedule takes (numbers as a range, so they chart as numbers). */
function declared(values: JsonValue[]): Distribution {
  if (values.length === 1) return { kind: "const", value: values[0] ?? null };
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (numbers.length === values.length) {
    const [low, high] = [Math.min(...numbers), Math.max(...numbers)];
    if (numbers.every(Number.isSafeInteger)) return { kind: "int", low, high };
    if (Number.isFinite(high - low)) return { kind: "uniform", low, high };
  }
  return { kind: "choice", values };
}
