// Synchronous PBT is reproducible: the engine driven through whole runs in which workers ask and
// report in random orders (any number of them, any timing) makes the same records every time.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { experimentConfigSchema, type ExperimentConfig, type ExperimentConfigInput, type Hyperparameters } from "./config";
import { decideNext, generationsToRank, type GenerationResult, type MemberState } from "./decide";
import { createRng } from "./rng";

interface SimJob {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: "queued" | "running" | "done" | "crashed";
  hyperparameters: Hyperparameters;
  parentId: number | null;
  score: number | null;
  finishedAt: number | null;
}

function configOf(overrides: Partial<ExperimentConfigInput>, seed: number): ExperimentConfig {
  const parsed = experimentConfigSchema.parse({
    name: "sync",
    metric: "accuracy",
    mode: "sync",
    populationSize: 6,
    stop: { maxGenerations: 5 },
    maxRetries: 1,
    hyperparameters: {
      lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } },
      layers: { init: { kind: "int", low: 1, high: 4 }, explore: { kind: "resample", probability: 0.3 } },
      act: { init: { kind: "choice", values: ["relu", "tanh", "gelu"] }, explore: { kind: "resample", probability: 0.5 } },
    },
    ...overrides,
  });
  return { ...parsed, seed };
}

/** What a training segment scores: a pure function of its hyperparameters and where it started. */
function train(job: SimJob, parent: SimJob | undefined): number {
  const lr = job.hyperparameters.lr as number;
  const gain = 1 - (Math.log10(lr) + 2) ** 2 / 4 + (job.hyperparameters.layers as number) * 0.01 + (job.hyperparameters.act === "gelu" ? 0.05 : 0);
  return (parent?.score ?? 0) * 0.8 + gain;
}

function population(jobs: SimJob[], config: ExperimentConfig) {
  const members = new Map<number, MemberState>();
  for (const job of jobs) {
    const state = members.get(job.member) ?? { member: job.member, latest: undefined!, lastDone: null };
    state.latest = {
      jobId: job.id,
      generation: job.generation,
      attempt: job.attempt,
      status: job.status,
      hyperparameters: job.hyperparameters,
      finishedAt: job.finishedAt,
    };
    if (job.status === "done") state.lastDone = { jobId: job.id, generation: job.generation, hyperparameters: job.hyperparameters, score: job.score };
    members.set(job.member, state);
  }
  const list = [...members.values()];
  const wanted = new Set(generationsToRank(list, config));
  const generationResults: GenerationResult[] = jobs
    .filter((j) => j.status === "done" && wanted.has(j.generation))
    .map((j) => ({ member: j.member, jobId: j.id, generation: j.generation, hyperparameters: j.hyperparameters, score: j.score }));
  return { config, members: list, generationResults, jobsCreated: jobs.filter((j) => j.attempt === 0).length };
}

/**
 * Runs an experiment to the end. `timing` orders the workers' calls: at each step it picks whether a
 * worker asks for a job or a running job reports (and which). Members in `crashing` always crash.
 */
function run(config: ExperimentConfig, timing: number, workers: number, crashing: Set<number>) {
  const rng = createRng(timing);
  const jobs: SimJob[] = [];
  let clock = 0;
  for (let step = 0; step < 10_000; step++) {
    clock++;
    const running = jobs.filter((j) => j.status === "running");
    const ask = running.length < workers && (running.length === 0 || rng.next() < 0.5);
    if (!ask) {
      const job = running[rng.int(0, running.length - 1)]!;
      job.finishedAt = clock;
      if (crashing.has(job.member)) {
        job.status = "crashed";
        if (job.attempt < config.maxRetries) jobs.push({ ...job, id: jobs.length + 1, attempt: job.attempt + 1, status: "queued", finishedAt: null });
      } else {
        job.status = "done";
        job.score = train(
          job,
          jobs.find((j) => j.id === job.parentId),
        );
      }
      continue;
    }
    const queued = jobs.find((j) => j.status === "queued");
    if (queued) {
      queued.status = "running";
      continue;
    }
    const decision = decideNext(population(jobs, config));
    if (decision.kind === "done") return jobs;
    if (decision.kind === "wait") {
      if (running.length === 0) throw new Error("waiting with nothing running");
      continue;
    }
    const base = { id: jobs.length + 1, attempt: 0, status: "running" as const, hyperparameters: decision.hyperparameters, score: null, finishedAt: null };
    if (decision.kind === "new-member") jobs.push({ ...base, member: decision.member, generation: 0, parentId: null });
    else jobs.push({ ...base, member: decision.member, generation: decision.generation, parentId: decision.parentJobId });
  }
  throw new Error("the run did not end");
}

/** The record PBT users compare: member, generation, hyperparameters and parent (by member and generation, not by id). */
function records(jobs: SimJob[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return jobs
    .filter((j) => j.attempt === 0)
    .map((j) => {
      const parent = j.parentId === null ? null : byId.get(j.parentId)!;
      return JSON.stringify([j.member, j.generation, j.hyperparameters, parent && [parent.member, parent.generation]]);
    })
    .sort();
}

describe("sync mode (properties)", () => {
  it("makes the same records whatever the number of workers and the order of their calls", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom({ kind: "truncate" as const, fraction: 0.25 }, { kind: "tournament" as const }, { kind: "none" as const }),
        fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })),
        fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })),
        fc.subarray([1, 4]),
        (seed, exploit, [timingA, workersA], [timingB, workersB], crashing) => {
          const config = configOf({ exploit }, seed);
          const a = run(config, timingA, workersA, new Set(crashing));
          const b = run(config, timingB, workersB, new Set(crashing));
          expect(records(a)).toEqual(records(b));
          // Every exploit edge goes one generation forward, and every donor was of the generation before.
          const byId = new Map(a.map((j) => [j.id, j]));
          for (const job of a) if (job.parentId !== null) expect(job.generation).toBe(byId.get(job.parentId)!.generation + 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps exploiting every generation with two members that always crash, and they rejoin", () => {
    const config = configOf({ populationSize: 8, exploit: { kind: "truncate", fraction: 0.25 }, stop: { maxGenerations: 6 } }, 7);
    const jobs = run(config, 1, 4, new Set([2, 5]));
    for (let generation = 1; generation < 6; generation++) {
      const rejoined = jobs.filter((j) => j.generation === generation && j.attempt === 0 && (j.member === 2 || j.member === 5));
      // Each crashing member is copied into every generation after its failure, from a healthy donor.
      expect(rejoined.map((j) => j.member).sort()).toEqual([2, 5]);
      for (const j of rejoined) expect([2, 5]).not.toContain(jobs.find((p) => p.id === j.parentId)!.member);
    }
  });
});
