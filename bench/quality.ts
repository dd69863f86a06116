// PBT quality, in-process: the real scheduler (createScheduler over an in-memory PGlite) driven by
// a deterministic loop of one worker (nextJob → train → completeJob) with a clock that moves one
// second per call, so every run is reproducible from its seed.
//
// 1. The toy problem of Jaderberg et al. 2017 (Fig. 2): PBT vs grid search (exploit none, no
//    explore) vs explore-only (exploit none + explore) vs exploit-only (truncate, no explore).
// 2. The learning-rate-schedule toy of Ray Tune's pbt_function.py: PBT with population 8 vs
//    random search (8 fixed learning rates) with the same number of training steps; PBT vs PB2 at
//    population 4.
// 3. The same dynamics with an optimum that moves with training time (examples/toy/movingOptimum.ts):
//    PBT vs PB2 at population 4.
//
//   npm run bench:quality     tsx bench/quality.ts --seeds 5
import { parseArgs } from "node:util";
import { createTestDatabase } from "../server/testing/databases";
import type { Database } from "../server/db/client";
import { experimentConfigSchema, type ExperimentConfig, type ExperimentConfigInput } from "../server/pbt/config";
import { decideNext, type MemberState, type PopulationState } from "../server/pbt/decide";
import type { Pb2Point } from "../server/pbt/pb2";
import { rngFor } from "../server/pbt/rng";
import { createLocalBus } from "../server/realtime/bus";
import { listJobs } from "../server/reads";
import { unusedCheckpointStore } from "./lib";
import { createScheduler, type Scheduler } from "../server/scheduler";
import { INITIAL_H, INITIAL_THETA, q, step as toyStep, toyExperiment, type Theta } from "../examples/toy/problem";
import { LR_POPULATION, LR_STEPS_PER_JOB, LR_TARGET, lrConfig, lrTrainStep, type LrVariant } from "../examples/toy/lrSchedule";
import { MOVING_TARGET, movingConfig, movingEvaluate, movingTrainStep } from "../examples/toy/movingOptimum";
import { isMain, machine, mean, median, round, table, writeResults } from "./lib";

export interface QualityBenchOptions {
  seeds: number;
  /** Toy problem: generations per member (the paper's figure: 40 × 4 steps). */
  toyGenerations: number;
  /** LR toy and moving optimum: training steps per member (Ray's example stops at 1000 iterations). */
  lrMaxSteps: number;
  /** Reproducibility runs: generations of the LR toy (long enough for many exploits). */
  reproducibilityGenerations: number;
  log?: (line: string) => void;
}

export const FULL_QUALITY_OPTIONS: QualityBenchOptions = { seeds: 20, toyGenerations: 40, lrMaxSteps: 1000, reproducibilityGenerations: 30 };

/**
 * The paper's figure trains both members every generation and then exploits and explores: sync
 * mode. "pbt-async" is the same PBT in async mode driven by one sequential worker, where each
 * decision copies the freshest checkpoint and the two members leapfrog along one lineage (one job
 * per generation instead of two).
 */
export const TOY_VARIANTS = ["pbt", "grid", "explore-only", "exploit-only", "pbt-async"] as const;
export type ToyVariant = (typeof TOY_VARIANTS)[number];

/**
 * pbt-4, pb2-4: population 4, PBT's explore (resample 0.25, else ×0.8/×1.2) or PB2's, the lr's
 * range on a log scale; "-linear": on Ray's linear one. The same budget per member as the others.
 */
export const SMALL_POPULATION_METHODS = ["pbt-4", "pb2-4", "pbt-4-linear", "pb2-4-linear"] as const;
/** pbt-2-crashing: members 2 and 5 fail every job (maxRetries 0): left out of the ranking, they rejoin as copies. */
export type LrMethod = "pbt" | "pbt-2-crashing" | "random-search" | (typeof SMALL_POPULATION_METHODS)[number];

/** The moving optimum: PBT's explore or PB2's at population 4, the lr on a log scale, the whole budget. */
export const MOVING_METHODS = ["pbt-4", "pb2-4"] as const;
export type MovingMethod = (typeof MOVING_METHODS)[number];

export interface Summary {
  mean: number;
  median: number;
  min: number;
  max: number;
}

export interface QualityResults {
  benchmark: "quality";
  date: string;
  machine: ReturnType<typeof machine>;
  options: Omit<QualityBenchOptions, "log">;
  toy: { variant: ToyVariant; finalQ: Summary; perSeed: number[] }[];
  lrSchedule: {
    method: LrMethod;
    runs: number;
    /** Runs in which some member's accuracy exceeded 200 within the budget. */
    reached: number;
    /** Training steps of that member (Ray's training_iteration) when it first exceeded 200; reached runs only. */
    stepsToReach: Summary | null;
    /** Steps the whole population had trained by then (the budget is population × lrMaxSteps). */
    populationStepsToReach: Summary | null;
    /** Best accuracy reached within the budget (capped runs stop at the first member above 200). */
    bestAccuracy: Summary;
    /** Population steps to reach 200 seed by seed (null: not reached), to compare methods on the same seeds. */
    perSeed: (number | null)[];
  }[];
  movingOptimum: {
    method: MovingMethod;
    runs: number;
    /** Runs in which some member's true accuracy (without the evaluation's noise) exceeded MOVING_TARGET within the budget. */
    reached: number;
    /** Steps the whole population had trained when a member first exceeded it; reached runs only. */
    populationStepsToReach: Summary | null;
    /** The highest true accuracy of a member at the end of the budget (runs are not stopped at the target). */
    finalAccuracy: Summary;
    perSeed: { populationStepsToReach: number | null; finalAccuracy: number }[];
  }[];
  /** The same seed run by 1 sequential worker and by 8 interleaved workers: how many runs made identical records. */
  reproducibility: { mode: "sync" | "async"; runs: number; identical: number; meanRecords: number; meanDiffering: number }[];
  /** PB2's decision time against PBT's, in the same run (timings: read with the load average). */
  decisionTimes: DecisionTimes;
  /** Wall time of one in-process scheduler cycle (nextJob + completeJob), for reference. */
  schedulerCycleMs: number;
  seconds: number;
}

function summary(values: number[]): Summary {
  return { mean: round(mean(values), 4), median: round(median(values), 4), min: round(Math.min(...values), 4), max: round(Math.max(...values), 4) };
}

/** A scheduler on `db` whose clock moves one second per reading: decisions are reproducible. */
function inProcessScheduler(db: Database): Scheduler {
  let now = Date.parse("2026-01-01T00:00:00Z");
  return createScheduler(
    { prisma: db.prisma, sql: db.sql, bus: createLocalBus(), checkpoints: unusedCheckpointStore(), now: () => new Date((now += 1000)) },
    { retryAfterSeconds: 0, maxCheckpointBytes: 0 },
  );
}

let cycles = 0;
let cycleMs = 0;

type BenchJob = {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  parentId: number | null;
  hyperparameters: Record<string, unknown>;
  results: Record<string, unknown>;
};

/**
 * One worker asking for jobs until the experiment is done or `train` says stop. `train` gets the
 * job and returns the results to report (with the metric) and whether to stop the whole run.
 */
async function drive(scheduler: Scheduler, name: string, train: (job: BenchJob) => { results: Record<string, unknown>; stop?: boolean } | { fail: string }) {
  for (;;) {
    const t0 = performance.now();
    const answer = await scheduler.nextJob(name, "bench");
    if (answer.status === "done") return;
    if (answer.status === "wait") throw new Error(`unexpected wait (${answer.reason}) with one sequential worker`);
    const outcome = train(answer.job as never);
    if ("fail" in outcome) {
      await scheduler.failJob(answer.job.id, answer.leaseToken, outcome.fail);
      continue;
    }
    const { results, stop } = outcome;
    await scheduler.completeJob(answer.job.id, answer.leaseToken, results);
    cycleMs += performance.now() - t0;
    cycles++;
    if (stop) return;
  }
}

// ---------------------------------------------------------------------------------------------
// The toy problem

export function toyConfig(name: string, variant: ToyVariant, seed: number, generations: number): ExperimentConfigInput {
  const base = toyExperiment(name, { pbt: true, seed, maxGenerations: generations });
  const explored = variant === "pbt" || variant === "pbt-async" || variant === "explore-only";
  const exploits = variant === "pbt" || variant === "pbt-async" || variant === "exploit-only";
  const h = explored
    ? { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "resample", probability: 0.25 } }
    : { init: { kind: "uniform", low: 0, high: 1 } };
  return {
    ...base,
    mode: variant === "pbt-async" ? "async" : "sync",
    exploit: exploits ? { kind: "truncate", fraction: 0.5 } : { kind: "none" },
    hyperparameters: { h0: h, h1: h } as ExperimentConfigInput["hyperparameters"],
  };
}

const TOY_STEPS_PER_JOB = 4;
const TOY_LEARNING_RATE = 0.02;

/** The best member's Q after the last generation. */
export async function runToy(scheduler: Scheduler, variant: ToyVariant, seed: number, generations: number): Promise<number> {
  const name = `toy ${variant} seed ${seed} ${Math.random().toString(36).slice(2, 8)}`;
  await scheduler.createExperiment(experimentConfigSchema.parse(toyConfig(name, variant, seed, generations)) as never);
  // The paper's two members: h = (1, 0) and (0, 1).
  for (const [h0, h1] of INITIAL_H) await scheduler.pushJob(name, { hyperparameters: { h0, h1 } });
  const finalQ = new Map<number, { generation: number; q: number }>();
  await drive(scheduler, name, (job) => {
    let theta = (job.results.theta as Theta | undefined) ?? INITIAL_THETA;
    const h: [number, number] = [Number(job.hyperparameters.h0 ?? 0), Number(job.hyperparameters.h1 ?? 0)];
    for (let i = 0; i < TOY_STEPS_PER_JOB; i++) theta = toyStep(theta, h, TOY_LEARNING_RATE);
    const value = q(theta);
    const previous = finalQ.get(job.member);
    if (!previous || job.generation >= previous.generation) finalQ.set(job.member, { generation: job.generation, q: value });
    return { results: { Q: value, theta } };
  });
  return Math.max(...[...finalQ.values()].map((v) => v.q));
}

// ---------------------------------------------------------------------------------------------
// Ray Tune's pbt_function.py (examples/toy/lrSchedule.ts)

interface LrRun {
  reached: boolean;
  stepsToReach: number | null;
  populationStepsToReach: number | null;
  best: number;
}

/**
 * `crashing`: members whose every job fails (their worker gives up on it), as a broken node would.
 * `variant`: the population size and PBT's or PB2's explore.
 */
export async function runLrPbt(
  scheduler: Scheduler,
  seed: number,
  maxSteps: number,
  crashing: ReadonlySet<number> = new Set(),
  variant: LrVariant = { population: LR_POPULATION, explore: "pbt" },
): Promise<LrRun> {
  const name = `lr ${variant.explore} ${variant.population} ${variant.logScale ? "log" : "linear"} seed ${seed} ${Math.random().toString(36).slice(2, 8)}`;
  await scheduler.createExperiment(experimentConfigSchema.parse(lrConfig(name, seed, maxSteps, variant)) as never);
  // Ray's example starts every member at lr = 0.0001 (param_space); resampling uses uniform(0.0001, 0.02).
  for (let i = 0; i < (variant.population ?? LR_POPULATION); i++) await scheduler.pushJob(name, { hyperparameters: { lr: 0.0001 } });
  let populationSteps = 0;
  let best = 0;
  let reachedAt: { steps: number; population: number } | null = null;
  await drive(scheduler, name, (job) => {
    if (crashing.has(job.member)) return { fail: "this member's node is broken" };
    const rng = rngFor(seed, "lr-train", job.member, job.generation);
    let accuracy = Number(job.results.accuracy ?? 0);
    let steps = Number(job.results.steps ?? 0);
    const lr = Number(job.hyperparameters.lr);
    for (let i = 0; i < LR_STEPS_PER_JOB && steps < maxSteps; i++) {
      accuracy = lrTrainStep(accuracy, lr, rng);
      steps++;
      populationSteps++;
      best = Math.max(best, accuracy);
      if (accuracy > LR_TARGET && !reachedAt) {
        reachedAt = { steps, population: populationSteps };
        break;
      }
    }
    return { results: { mean_accuracy: accuracy, accuracy, steps }, stop: reachedAt !== null };
  });
  const r = reachedAt as { steps: number; population: number } | null;
  return { reached: r !== null, stepsToReach: r?.steps ?? null, populationStepsToReach: r?.population ?? null, best };
}

/**
 * Random search with the same budget: 8 members with a learning rate drawn from the same
 * uniform(0.0001, 0.02), fixed for the whole run, trained side by side (as 8 workers would) for
 * up to maxSteps steps each. No scheduler needed: nothing is ever decided after the draw.
 */
export function runLrRandom(seed: number, maxSteps: number): LrRun {
  const lrs = Array.from({ length: LR_POPULATION }, (_, m) => 0.0001 + rngFor(seed, "lr-random-init", m).next() * (0.02 - 0.0001));
  const rngs = lrs.map((_, m) => rngFor(seed, "lr-random-train", m));
  const accuracy = lrs.map(() => 0);
  let best = 0;
  for (let steps = 1; steps <= maxSteps; steps++) {
    for (let m = 0; m < LR_POPULATION; m++) {
      accuracy[m] = lrTrainStep(accuracy[m]!, lrs[m]!, rngs[m]!);
      best = Math.max(best, accuracy[m]!);
      if (accuracy[m]! > LR_TARGET) {
        return { reached: true, stepsToReach: steps, populationStepsToReach: (steps - 1) * LR_POPULATION + m + 1, best };
      }
    }
  }
  return { reached: false, stepsToReach: null, populationStepsToReach: null, best };
}

// ---------------------------------------------------------------------------------------------
// The moving optimum (examples/toy/movingOptimum.ts)

interface MovingRun {
  populationStepsToReach: number | null;
  finalAccuracy: number;
}

/**
 * PBT or PB2 at population 4 for the whole budget: members start from the experiment's own draws
 * (loguniform), not from one lr, since the optimum starts at the top of the range. The optimum
 * follows a member's steps, which it carries from its donor in its results as a real model would.
 */
export async function runMoving(scheduler: Scheduler, seed: number, maxSteps: number, method: MovingMethod): Promise<MovingRun> {
  const explore = method === "pb2-4" ? "pb2" : "pbt";
  const name = `moving ${method} seed ${seed} ${Math.random().toString(36).slice(2, 8)}`;
  await scheduler.createExperiment(experimentConfigSchema.parse(movingConfig(name, seed, maxSteps, 4, explore)) as never);
  let populationSteps = 0;
  let reachedAt: number | null = null;
  const latest = new Map<number, { generation: number; accuracy: number }>();
  await drive(scheduler, name, (job) => {
    const rng = rngFor(seed, "moving-train", job.member, job.generation);
    let accuracy = Number(job.results.accuracy ?? 0);
    let steps = Number(job.results.steps ?? 0);
    const lr = Number(job.hyperparameters.lr);
    for (let i = 0; i < LR_STEPS_PER_JOB && steps < maxSteps; i++) {
      accuracy = movingTrainStep(accuracy, lr, steps, rng);
      steps++;
      populationSteps++;
      if (accuracy > MOVING_TARGET && reachedAt === null) reachedAt = populationSteps;
    }
    const previous = latest.get(job.member);
    if (!previous || job.generation >= previous.generation) latest.set(job.member, { generation: job.generation, accuracy });
    // PBT and PB2 rank the measured score; the checkpoint keeps the true accuracy.
    return { results: { mean_accuracy: movingEvaluate(accuracy, rng), accuracy, steps } };
  });
  return { populationStepsToReach: reachedAt, finalAccuracy: Math.max(...[...latest.values()].map((v) => v.accuracy)) };
}

// ---------------------------------------------------------------------------------------------
// Reproducibility: the LR toy run by one sequential worker and by eight workers whose calls
// interleave in a seeded random order, in sync and in async mode. Training noise is seeded by a
// job's lineage, so a job's result depends on its lineage and hyperparameters alone.

/** The records a run made: member, generation, hyperparameters and parent (by member and generation; ids depend on timing). */
async function lrRecords(scheduler: Scheduler, mode: "sync" | "async", seed: number, generations: number, workers: number, timing: number): Promise<string[]> {
  const name = `lr ${mode} seed ${seed} workers ${workers} ${Math.random().toString(36).slice(2, 8)}`;
  const config = { ...lrConfig(name, seed, generations * LR_STEPS_PER_JOB), mode };
  await scheduler.createExperiment(experimentConfigSchema.parse(config) as never);
  const order = rngFor(timing, "timing");
  const leased: { job: BenchJob; leaseToken: string }[] = [];
  const train = (job: BenchJob) => {
    let accuracy = Number(job.results.accuracy ?? 0);
    const rng = rngFor(seed, "lr-lineage", job.member, job.generation, JSON.stringify(job.hyperparameters), accuracy);
    for (let i = 0; i < LR_STEPS_PER_JOB; i++) accuracy = lrTrainStep(accuracy, Number(job.hyperparameters.lr), rng);
    return { mean_accuracy: accuracy, accuracy };
  };
  for (let finished = false; !finished;) {
    if (leased.length < workers && (leased.length === 0 || order.next() < 0.5)) {
      const answer = await scheduler.nextJob(name, "bench");
      if (answer.status === "job") leased.push({ job: answer.job as never, leaseToken: answer.leaseToken });
      else if (answer.status === "done") finished = true;
      else if (leased.length === 0) throw new Error(`wait (${answer.reason}) with nothing running`);
      else continue;
    }
    if (leased.length > 0 && !finished) {
      const { job, leaseToken } = leased.splice(order.int(0, leased.length - 1), 1)[0]!;
      await scheduler.completeJob(job.id, leaseToken, train(job));
    }
  }
  const jobs = await listJobs(scheduler.deps, name);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return jobs.map((j) => {
    const parent = j.parentId === null ? null : byId.get(j.parentId)!;
    return JSON.stringify([j.member, j.generation, j.hyperparameters, parent && [parent.member, parent.generation]]);
  });
}

/** Records of one run missing from the other, both ways. */
function differing(a: string[], b: string[]): number {
  const count = (list: string[]) => list.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
  const [ca, cb] = [count(a), count(b)];
  let diff = 0;
  for (const key of new Set([...ca.keys(), ...cb.keys()])) diff += Math.abs((ca.get(key) ?? 0) - (cb.get(key) ?? 0));
  return diff;
}

// ---------------------------------------------------------------------------------------------
// PB2's decision time: the pure engine deciding an exploit at 64 members × 100 generations of
// history, against PBT's explore deciding the same exploit (the baseline, same run).

export interface DecisionTimes {
  members: number;
  generations: number;
  /** History points the PB2 decision was handed (the whole history: the engine keeps its window). */
  historyPoints: number;
  /** Median ms of decideNext for a bottom member: PBT's explore (perturb/resample). */
  pbtMs: number;
  /** PB2 with a history it has not fitted yet: the kernel fit and the choice (the first exploit of a batch). */
  pb2FitMs: number;
  /** PB2 with the history fitted already (the next exploits of the same batch): the choice alone. */
  pb2ChooseMs: number;
}

export function measureDecisionTimes(members = 64, generations = 100, repeats = 15): DecisionTimes {
  const base = (explore: "pbt" | "pb2") =>
    ({
      ...experimentConfigSchema.parse({
        ...lrConfig(`decisions ${explore}`, 1, 2 * generations * LR_STEPS_PER_JOB, { population: members, explore, logScale: true }),
        exploit: { kind: "truncate", fraction: 0.2 },
      }),
      seed: 1,
    }) as ExperimentConfig;
  const lrAt = (m: number, g: number) => 0.0001 * Math.pow(200, ((m * 7 + g * 3) % members) / members);
  const state = (config: ExperimentConfig, shift: number): PopulationState => {
    const last = generations - 1;
    const memberStates: MemberState[] = Array.from({ length: members }, (_, m) => {
      const job = { jobId: last * 1000 + m, generation: last, hyperparameters: { lr: lrAt(m, last) }, score: 100 + m };
      // Half the population is training its next generation: PB2's pending choices.
      const running = m >= 16 && m < 48;
      return {
        member: m,
        latest: running
          ? {
              jobId: generations * 1000 + m,
              generation: generations,
              attempt: 0,
              status: "running",
              hyperparameters: { lr: lrAt(m, generations) },
              finishedAt: null,
            }
          : { ...job, attempt: 0, status: "done", finishedAt: 1000 + m },
        lastDone: job,
      };
    });
    const pb2History: Pb2Point[] = [];
    for (let g = 1; g < generations; g++) {
      for (let m = 0; m < members; m++) {
        pb2History.push({
          member: m,
          jobId: g * 1000 + m,
          generation: g,
          hyperparameters: { lr: lrAt(m, g) },
          score: g + (m % 5) + shift,
          parentScore: g - 1 + shift,
        });
      }
    }
    return { config, members: memberStates, generationResults: [], pb2History };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = (config: ExperimentConfig, shiftOf: (i: number) => number) => {
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const s = state(config, shiftOf(i));
      const t0 = performance.now();
      const d = decideNext(s);
      ms.push(performance.now() - t0);
      if (d.kind !== "next-generation" || d.origin !== "exploit") throw new Error(`expected an exploit, got ${d.kind}`);
    }
    return round(median(ms), 2);
  };
  const pbt = base("pbt");
  const pb2 = base("pb2");
  time(pb2, () => 0); // warm-up (JIT)
  return {
    members,
    generations,
    historyPoints: members * (generations - 1),
    pbtMs: time(pbt, () => 0),
    // A different score shift each time: a history the fit has not seen.
    pb2FitMs: time(pb2, (i) => (i + 1) * 0.001),
    pb2ChooseMs: time(pb2, () => 0),
  };
}

// ---------------------------------------------------------------------------------------------

export async function runQualityBench(opts: QualityBenchOptions): Promise<QualityResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  cycles = 0;
  cycleMs = 0;
  const db = await createTestDatabase("pglite");
  const results: QualityResults = {
    benchmark: "quality",
    date: new Date().toISOString(),
    machine: machine(),
    options: {
      seeds: opts.seeds,
      toyGenerations: opts.toyGenerations,
      lrMaxSteps: opts.lrMaxSteps,
      reproducibilityGenerations: opts.reproducibilityGenerations,
    },
    toy: [],
    lrSchedule: [],
    movingOptimum: [],
    reproducibility: [],
    decisionTimes: measureDecisionTimes(),
    schedulerCycleMs: NaN,
    seconds: NaN,
  };
  try {
    const scheduler = inProcessScheduler(db);
    const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
    for (const variant of TOY_VARIANTS) {
      const perSeed: number[] = [];
      for (const seed of seeds) perSeed.push(await runToy(scheduler, variant, seed, opts.toyGenerations));
      results.toy.push({ variant, finalQ: summary(perSeed), perSeed: perSeed.map((v) => round(v, 4)) });
      log(`toy ${variant}: final Q mean ${round(mean(perSeed), 4)}, median ${round(median(perSeed), 4)}, min ${round(Math.min(...perSeed), 4)}`);
    }
    const pbtRuns: LrRun[] = [];
    for (const seed of seeds) pbtRuns.push(await runLrPbt(scheduler, seed, opts.lrMaxSteps));
    const crashingRuns: LrRun[] = [];
    for (const seed of seeds) crashingRuns.push(await runLrPbt(scheduler, seed, opts.lrMaxSteps, new Set([2, 5])));
    const randomRuns = seeds.map((seed) => runLrRandom(seed, opts.lrMaxSteps));
    // PB2's claim: it needs far smaller populations. PBT and PB2 at population 4, the same budget,
    // with the lr's range on a log scale and on Ray's linear one.
    const small = new Map<LrMethod, LrRun[]>();
    for (const method of SMALL_POPULATION_METHODS) {
      const runs: LrRun[] = [];
      const variant = { population: 4, explore: method.startsWith("pb2") ? "pb2" : "pbt", logScale: !method.endsWith("linear") } as const;
      for (const seed of seeds) runs.push(await runLrPbt(scheduler, seed, opts.lrMaxSteps, new Set(), variant));
      small.set(method, runs);
    }
    for (const [method, runs] of [["pbt", pbtRuns], ["pbt-2-crashing", crashingRuns], ["random-search", randomRuns], ...small] as [LrMethod, LrRun[]][]) {
      const hits = runs.filter((r) => r.reached);
      results.lrSchedule.push({
        method,
        runs: runs.length,
        reached: hits.length,
        stepsToReach: hits.length ? summary(hits.map((r) => r.stepsToReach!)) : null,
        populationStepsToReach: hits.length ? summary(hits.map((r) => r.populationStepsToReach!)) : null,
        bestAccuracy: summary(runs.map((r) => r.best)),
        perSeed: runs.map((r) => r.populationStepsToReach),
      });
      log(
        `lr schedule ${method}: reached ${LR_TARGET} in ${hits.length}/${runs.length} runs${hits.length ? `, median ${median(hits.map((r) => r.stepsToReach!))} steps per member` : ""}`,
      );
    }
    for (const method of MOVING_METHODS) {
      const runs: MovingRun[] = [];
      for (const seed of seeds) runs.push(await runMoving(scheduler, seed, opts.lrMaxSteps, method));
      const hits = runs.flatMap((r) => (r.populationStepsToReach === null ? [] : [r.populationStepsToReach]));
      results.movingOptimum.push({
        method,
        runs: runs.length,
        reached: hits.length,
        populationStepsToReach: hits.length ? summary(hits) : null,
        finalAccuracy: summary(runs.map((r) => r.finalAccuracy)),
        perSeed: runs.map((r) => ({ populationStepsToReach: r.populationStepsToReach, finalAccuracy: round(r.finalAccuracy, 2) })),
      });
      log(
        `moving optimum ${method}: reached ${MOVING_TARGET} in ${hits.length}/${runs.length} runs${hits.length ? `, median ${median(hits)} population steps` : ""}, final accuracy median ${round(median(runs.map((r) => r.finalAccuracy)), 1)}`,
      );
    }
    for (const mode of ["sync", "async"] as const) {
      const diffs: number[] = [];
      const sizes: number[] = [];
      for (const seed of seeds) {
        const one = await lrRecords(scheduler, mode, seed, opts.reproducibilityGenerations, 1, seed);
        const eight = await lrRecords(scheduler, mode, seed, opts.reproducibilityGenerations, 8, seed + 1000);
        diffs.push(differing(one, eight));
        sizes.push(one.length);
      }
      const identical = diffs.filter((d) => d === 0).length;
      results.reproducibility.push({ mode, runs: seeds.length, identical, meanRecords: round(mean(sizes), 1), meanDiffering: round(mean(diffs), 1) });
      log(
        `reproducibility ${mode}: 1 worker vs 8 interleaved, identical records in ${identical}/${seeds.length} seeds (mean ${round(mean(diffs), 1)} of ${round(mean(sizes), 1)} records differ)`,
      );
    }
  } finally {
    await db.close();
  }
  results.schedulerCycleMs = round(cycleMs / Math.max(1, cycles), 2);
  results.seconds = round((performance.now() - started) / 1000, 1);
  return results;
}

/** The PB2 and PBT rows of the same problem, compared seed by seed. */
export function pb2Pairs(r: QualityResults) {
  const steps = (s: number | null) => s ?? Infinity;
  const compare = (problem: string, pbt: (number | null)[], pb2: (number | null)[], pb2HigherFinal?: string) => {
    const pairs = pbt.map((a, i) => [steps(a), steps(pb2[i]!)] as const);
    return {
      problem,
      pb2Sooner: pairs.filter(([a, b]) => b < a).length,
      pbtSooner: pairs.filter(([a, b]) => a < b).length,
      ties: pairs.filter(([a, b]) => a === b).length,
      pb2HigherFinal,
    };
  };
  const lr = (method: LrMethod) => r.lrSchedule.find((l) => l.method === method)?.perSeed ?? [];
  const moving = (method: MovingMethod) => r.movingOptimum.find((m) => m.method === method)?.perSeed ?? [];
  const [pbt, pb2] = [moving("pbt-4"), moving("pb2-4")];
  const higher = pb2.filter((p, i) => p.finalAccuracy > pbt[i]!.finalAccuracy).length;
  return [
    compare("LR toy, log scale", lr("pbt-4"), lr("pb2-4")),
    compare("LR toy, linear", lr("pbt-4-linear"), lr("pb2-4-linear")),
    compare(
      "moving optimum",
      pbt.map((p) => p.populationStepsToReach),
      pb2.map((p) => p.populationStepsToReach),
      `${higher}/${pb2.length}`,
    ),
  ];
}

export function formatQualityResults(r: QualityResults): string {
  const lines = [
    `Toy problem (Jaderberg et al. 2017, Fig. 2): best member's Q after ${r.options.toyGenerations} generations × ${TOY_STEPS_PER_JOB} steps, ${r.options.seeds} seeds (optimum 1.2)`,
    table(
      ["variant", "mean Q", "median Q", "min Q", "max Q"],
      r.toy.map((t) => [t.variant, t.finalQ.mean, t.finalQ.median, t.finalQ.min, t.finalQ.max]),
    ),
    "",
    `LR-schedule toy (Ray Tune pbt_function.py): population ${LR_POPULATION}, up to ${r.options.lrMaxSteps} steps per member, target accuracy > ${LR_TARGET}`,
    table(
      ["method", "reached", "median steps", "mean steps", "max steps", "median population steps", "median best accuracy"],
      r.lrSchedule.map((l) => [
        l.method,
        `${l.reached}/${l.runs}`,
        l.stepsToReach?.median ?? NaN,
        l.stepsToReach?.mean ?? NaN,
        l.stepsToReach?.max ?? NaN,
        l.populationStepsToReach?.median ?? NaN,
        l.bestAccuracy.median,
      ]),
    ),
    "",
    `Moving optimum (examples/toy/movingOptimum.ts): the optimal lr decays ten-fold every 500 steps; population 4, ${r.options.lrMaxSteps} steps per member, target accuracy > ${MOVING_TARGET}`,
    table(
      ["method", "reached", "median population steps", "mean final accuracy", "min final", "max final"],
      r.movingOptimum.map((m) => [
        m.method,
        `${m.reached}/${m.runs}`,
        m.populationStepsToReach?.median ?? NaN,
        m.finalAccuracy.mean,
        m.finalAccuracy.min,
        m.finalAccuracy.max,
      ]),
    ),
    "",
    `Reproducibility: the LR toy (${r.options.reproducibilityGenerations} generations) run by 1 sequential worker and by 8 workers interleaved in a random order`,
    table(
      ["mode", "identical records", "mean records", "mean records differing"],
      r.reproducibility.map((x) => [x.mode, `${x.identical}/${x.runs}`, x.meanRecords, x.meanDiffering]),
    ),
    "",
    "PB2 against PBT at population 4, seed by seed: on how many seeds each reached the target in fewer population steps (not reaching it counts as the most)",
    table(
      ["problem", "PB2 sooner", "PBT sooner", "tie", "PB2 higher final accuracy"],
      pb2Pairs(r).map((p) => [p.problem, p.pb2Sooner, p.pbtSooner, p.ties, p.pb2HigherFinal ?? ""]),
    ),
    "",
    `PB2's decision at ${r.decisionTimes.members} members × ${r.decisionTimes.generations} generations of history (${r.decisionTimes.historyPoints} points handed over), median ms of decideNext for an exploit`,
    table(
      ["PBT explore (baseline)", "PB2: fit + choose", "PB2: choose (fit kept)"],
      [[r.decisionTimes.pbtMs, r.decisionTimes.pb2FitMs, r.decisionTimes.pb2ChooseMs]],
    ),
    "",
    `in-process scheduler cycle (nextJob + completeJob on in-memory PGlite): ${r.schedulerCycleMs} ms; total ${r.seconds} s`,
    `machine: ${r.machine.cpus} CPUs, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, load average at start ${r.machine.loadAverage.join(" ")}`,
  ];
  return lines.join("\n");
}

const USAGE = `usage: tsx bench/quality.ts [--seeds N] [--toy-generations N] [--lr-max-steps N] [--out FILE]

PBT's quality, in-process and reproducible from each seed: the PBT paper's toy problem (PBT, grid
search, explore-only, exploit-only), Ray Tune's learning-rate toy (PBT, PBT with two members that
always crash, random search; PBT against PB2 at population 4), a learning-rate optimum that moves
with training time (PBT against PB2 at population 4), sync/async reproducibility across worker
timings, and PB2's decision time at 64 members × 100 generations of history.

  --seeds N             seeds per variant (default ${FULL_QUALITY_OPTIONS.seeds})
  --toy-generations N   generations of the toy problem (default ${FULL_QUALITY_OPTIONS.toyGenerations})
  --lr-max-steps N      training steps per member in the LR toy and the moving optimum (default ${FULL_QUALITY_OPTIONS.lrMaxSteps})
  --out FILE            also write the figures as JSON to bench/results/FILE (e.g. quality.json);
                        without it nothing is written, so a trial run keeps the committed figures
  -h, --help            this text`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(text)}\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

if (isMain(import.meta.url)) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        seeds: { type: "string" },
        "toy-generations": { type: "string" },
        "lr-max-steps": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const results = await runQualityBench({
    seeds: positiveInt("seeds", values.seeds as string | undefined, FULL_QUALITY_OPTIONS.seeds),
    toyGenerations: positiveInt("toy-generations", values["toy-generations"] as string | undefined, FULL_QUALITY_OPTIONS.toyGenerations),
    lrMaxSteps: positiveInt("lr-max-steps", values["lr-max-steps"] as string | undefined, FULL_QUALITY_OPTIONS.lrMaxSteps),
    reproducibilityGenerations: FULL_QUALITY_OPTIONS.reproducibilityGenerations,
  });
  console.log("\n" + formatQualityResults(results));
  if (typeof values.out === "string") console.log(`\nwrote ${writeResults(values.out, results)}`);
}
