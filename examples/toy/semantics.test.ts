// PBT's record through the real server (a server process, workers over HTTP) on Ray Tune's
// learning-rate toy: sync runs are reproducible whatever the workers, failed members rejoin and the
// run still converges, diverged members are replaced, and every lineage edge goes one generation on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExperimentConfigInput } from "../../server/pbt/config";
import { rngFor } from "../../server/pbt/rng";
import { bestSchedule, type ScheduleJob } from "../../server/pbt/schedule";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { call, experimentPath } from "./http";
import { LR_STEPS_PER_JOB, LR_TARGET, lrConfig, lrTrainStep } from "./lrSchedule";

interface Job extends ScheduleJob {
  attempt: number;
  donorJobId: number | null;
  exploitReason: string | null;
  diverged: boolean;
  results: Record<string, unknown>;
}

interface Behaviour {
  /** Milliseconds a job "trains". */
  delayMs?: () => number;
  /** The worker gives up on these jobs (a member whose training always breaks). */
  crashes?: (job: Job) => boolean;
  /** Learning rates above this blow up: the worker reports a diverged run. */
  divergesAbove?: number;
}

/**
 * A worker for the toy: trains LR_STEPS_PER_JOB steps from the accuracy its job continues from.
 * Training noise is seeded by the job's place in the lineage, so a job's result depends only on
 * its lineage and hyperparameters, never on the worker or the timing.
 */
async function worker(url: string, name: string, id: string, seed: number, behaviour: Behaviour) {
  for (;;) {
    const answer = await call<{ status: string; job: Job; leaseToken: string; retryAfterSeconds: number }>(url, "POST", `${experimentPath(name)}/next-job`, {
      workerId: id,
    });
    if (answer.status === "done") return;
    if (answer.status === "wait") {
      await new Promise((r) => setTimeout(r, answer.retryAfterSeconds * 1000));
      continue;
    }
    const { job, leaseToken } = answer;
    await new Promise((r) => setTimeout(r, behaviour.delayMs?.() ?? 0));
    if (behaviour.crashes?.(job)) {
      await call(url, "POST", `/jobs/${job.id}/fail`, { leaseToken, error: "CUDA error: an illegal memory access was encountered" });
      continue;
    }
    const lr = Number(job.hyperparameters.lr);
    if (behaviour.divergesAbove !== undefined && lr > behaviour.divergesAbove) {
      await call(url, "POST", `/jobs/${job.id}/complete`, { leaseToken, results: { mean_accuracy: "NaN" } });
      continue;
    }
    const rng = rngFor(seed, "train", job.member, job.generation, JSON.stringify(job.hyperparameters), Number(job.results.accuracy ?? 0));
    let accuracy = Number(job.results.accuracy ?? 0);
    for (let i = 0; i < LR_STEPS_PER_JOB; i++) accuracy = lrTrainStep(accuracy, lr, rng);
    await call(url, "POST", `/jobs/${job.id}/complete`, { leaseToken, results: { mean_accuracy: accuracy, accuracy } });
  }
}

async function runToEnd(url: string, config: ExperimentConfigInput, workers: number, behaviour: Behaviour = {}) {
  await call(url, "POST", "/experiments", config);
  await Promise.all(Array.from({ length: workers }, (_, i) => worker(url, config.name, `w${i}`, config.seed!, behaviour)));
  const experiment = await call<{ status: string }>(url, "GET", experimentPath(config.name));
  expect(experiment.status).toBe("done");
  return call<Job[]>(url, "GET", `${experimentPath(config.name)}/jobs`);
}

/** What PBT users compare between runs: member, generation, hyperparameters, and the parent by its place (ids depend on timing). */
function records(jobs: Job[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return jobs
    .filter((j) => j.attempt === 0)
    .map((j) => {
      const parent = j.parentId === null ? null : byId.get(j.parentId)!;
      return JSON.stringify({
        member: j.member,
        generation: j.generation,
        hyperparameters: j.hyperparameters,
        parent: parent && [parent.member, parent.generation],
      });
    })
    .sort();
}

function expectForwardEdges(jobs: Job[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const job of jobs) {
    if (job.parentId === null) continue;
    const parent = byId.get(job.parentId)!;
    expect(job.generation, `job ${job.id} (${job.origin}) after job ${parent.id}`).toBe(parent.generation + 1);
    if (job.origin === "exploit") expect(job.donorJobId).toBe(parent.id);
  }
}

describe("PBT through the real server (learning-rate toy)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("sync: one worker and eight workers with random training times make identical records", async () => {
    const config = (name: string): ExperimentConfigInput => ({ ...lrConfig(name, 11, 60), mode: "sync", stop: { maxGenerations: 12 } });
    const one = await runToEnd(server.url, config("sync one worker"), 1);
    const eight = await runToEnd(server.url, config("sync eight workers"), 8, { delayMs: () => Math.random() * 25 });
    expect(one.filter((j) => j.origin === "exploit").length).toBeGreaterThan(5);
    expect(records(eight)).toEqual(records(one));
    expectForwardEdges(one);
    // Every exploit copied a checkpoint of the generation just before: the one being ranked.
    for (const job of one.filter((j) => j.origin === "exploit")) {
      expect(one.find((d) => d.id === job.donorJobId)!.generation).toBe(job.generation - 1);
    }
  }, 240_000);

  it("async: two members that always crash leave the ranking; the rest exploit every generation and converge", async () => {
    const name = "two crashing members";
    const crashing = new Set([2, 5]);
    const jobs = await runToEnd(server.url, { ...lrConfig(name, 5, 1500), maxRetries: 1, stop: { maxGenerations: 300, target: LR_TARGET } }, 4, {
      crashes: (job) => crashing.has(job.member),
    });
    const best = Math.max(...jobs.filter((j) => j.score !== null).map((j) => j.score!));
    expect(best).toBeGreaterThanOrEqual(LR_TARGET);
    // The healthy members kept exploiting (ranked among themselves) throughout the run.
    const lastGeneration = Math.max(...jobs.map((j) => j.generation));
    const ranked = jobs.filter((j) => j.exploitReason === "truncate");
    for (let g = 1; g <= lastGeneration - 5; g += 5) {
      expect(
        ranked.some((j) => j.generation >= g && j.generation < g + 5),
        `truncate exploits in generations ${g}..${g + 4}`,
      ).toBe(true);
    }
    // The crashing members kept coming back as copies of healthy donors.
    const rejoined = jobs.filter((j) => j.exploitReason === "exhausted");
    expect(rejoined.length).toBeGreaterThan(10);
    for (const job of rejoined) {
      expect(crashing.has(job.member)).toBe(true);
      expect(crashing.has(jobs.find((d) => d.id === job.donorJobId)!.member)).toBe(false);
    }
    expectForwardEdges(jobs);
  }, 240_000);

  it("async: a member that diverges is replaced at its next job, every exploit edge goes one generation on, and the best schedule's generations increase", async () => {
    const name = "diverging members";
    const jobs = await runToEnd(server.url, { ...lrConfig(name, 8, 1000), stop: { maxGenerations: 40 } }, 3, { divergesAbove: 0.015 });
    const diverged = jobs.filter((j) => j.diverged);
    expect(diverged.length).toBeGreaterThan(0);
    for (const job of diverged) {
      expect(job).toMatchObject({ status: "done", score: null });
      const next = jobs.find((j) => j.member === job.member && j.id > job.id);
      if (next) expect(next).toMatchObject({ origin: "exploit", exploitReason: "diverged" });
      // Never copied.
      expect(jobs.some((j) => j.donorJobId === job.id)).toBe(false);
    }
    expectForwardEdges(jobs);
    const schedule = bestSchedule(jobs, "maximize")!;
    const generations = schedule.steps.map((s) => s.generation);
    expect(generations[0]).toBe(0);
    for (let i = 1; i < generations.length; i++) expect(generations[i]).toBe(generations[i - 1]! + 1);
    // The server's own export says the same.
    const exported = await call<{ schedule: { steps: { generation: number }[] } }>(server.url, "GET", `${experimentPath(name)}/schedule`);
    expect(exported.schedule.steps.map((s) => s.generation)).toEqual(generations);
  }, 240_000);
});
