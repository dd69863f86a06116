// PB2, replay, fork and extend on both databases: the SQL they add, and the errors they answer.
import { afterEach, beforeEach, expect, it } from "vitest";
import { getBestSchedule, listEvents, listJobs } from "../reads";
import { describeEachDatabase } from "../testing/databases";
import { LineageError } from "../domain/errors";
import { claim, createTestScheduler, type TestScheduler } from "../testing/testScheduler";

async function rejects(promise: Promise<unknown>, code: string, field?: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(LineageError);
  expect((error as LineageError).code).toBe(code);
  if (field) expect((error as LineageError).issues[0]?.field).toBe(field);
  return error as LineageError;
}

/** Runs `name` with one worker until done; each job scores `score(job)`. */
async function runToDone(
  s: TestScheduler,
  name: string,
  score: (job: { member: number; generation: number; hyperparameters: Record<string, unknown> }) => number,
) {
  for (;;) {
    const answer = await s.scheduler.nextJob(name, "w");
    if (answer.status === "done") return;
    if (answer.status !== "job") throw new Error(`unexpected ${JSON.stringify(answer)}`);
    s.advance(1);
    await s.scheduler.completeJob(answer.job.id, answer.leaseToken, { score: score(answer.job), step: answer.job.generation });
  }
}

describeEachDatabase("replay, fork, extend and PB2", (kind) => {
  let s: TestScheduler;
  beforeEach(async () => {
    s = await createTestScheduler(kind);
  });
  afterEach(async () => {
    await s.close();
  });

  it("PB2 explores exploits from the loaded history, within bounds, in async and sync mode", async () => {
    for (const mode of ["async", "sync"] as const) {
      const name = `pb2 ${mode}`;
      await s.create({
        name,
        mode,
        populationSize: 4,
        stop: { maxGenerations: 8 },
        explore: { kind: "pb2" },
        exploit: { kind: "truncate", fraction: 0.25 },
        hyperparameters: {
          lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } },
          layers: { init: { kind: "int", low: 1, high: 6 }, explore: { kind: "resample", probability: 0.2 } },
        },
      });
      // Higher lr scores more: PB2 has something to learn.
      await runToDone(s, name, (job) => job.generation + Math.log10(job.hyperparameters.lr as number));
      const jobs = await listJobs(s.scheduler.deps, name);
      const explored = jobs.flatMap((j) => j.mutations).filter((m) => m.operation === "pb2");
      expect(explored.length, mode).toBeGreaterThan(0);
      for (const j of jobs) {
        expect(j.hyperparameters.lr as number).toBeGreaterThanOrEqual(1e-4);
        expect(j.hyperparameters.lr as number).toBeLessThanOrEqual(1e-1);
        expect(Number.isInteger(j.hyperparameters.layers)).toBe(true);
      }
    }
  });

  it("extends a done experiment, refuses to lower a limit, and logs the change", async () => {
    // No exploit: each member's depth is its own job count, so "5 generations" is 5 jobs each.
    await s.create({ name: "extend", exploit: { kind: "none" } });
    await runToDone(s, "extend", () => 1);
    await rejects(s.scheduler.extendExperiment("extend", { maxGenerations: 2 }), "invalid_input", "maxGenerations");
    await rejects(s.scheduler.extendExperiment("extend", {}), "invalid_input", "maxGenerations");
    const extended = await s.scheduler.extendExperiment("extend", { maxGenerations: 5 });
    expect(extended).toMatchObject({ status: "running", config: { stop: { maxGenerations: 5 } } });
    const events = await listEvents(s.scheduler.deps, "extend", 0);
    expect(events.filter((e) => e.type === "experiment.extended").map((e) => e.data)).toEqual([{ from: { maxGenerations: 3 }, to: { maxGenerations: 5 } }]);
    await runToDone(s, "extend", () => 1);
    const jobs = await listJobs(s.scheduler.deps, "extend");
    for (const member of [0, 1]) expect(jobs.filter((j) => j.member === member).map((j) => j.generation)).toEqual([0, 1, 2, 3, 4]);
  });

  it("does not extend an experiment that reached its target score", async () => {
    await s.create({ name: "target", stop: { maxGenerations: 3, target: 0.5 } });
    await runToDone(s, "target", () => 1);
    await rejects(s.scheduler.extendExperiment("target", { maxGenerations: 9 }), "invalid_state", "target");
  });

  it("replays an exported schedule, and refuses one whose steps skip a generation", async () => {
    await s.create({ name: "source" });
    await runToDone(s, "source", (job) => job.generation);
    const exported = await getBestSchedule(s.scheduler.deps, "source");
    await s.scheduler.replaySchedule({ name: "replay", schedule: exported, seeds: 2 });
    await runToDone(s, "replay", (job) => job.generation);
    const jobs = await listJobs(s.scheduler.deps, "replay");
    for (const job of jobs) expect(job.hyperparameters).toEqual(exported.schedule!.steps[job.generation]!.hyperparameters);
    expect(jobs).toHaveLength(6);

    const gap = {
      ...exported,
      schedule: { ...exported.schedule!, steps: exported.schedule!.steps.map((step, i) => ({ ...step, generation: i === 2 ? 3 : i })) },
    };
    await rejects(s.scheduler.replaySchedule({ name: "gap", schedule: gap }), "invalid_input", "schedule.schedule.steps.2.generation");
    await rejects(s.scheduler.replaySchedule({ name: "empty", schedule: { ...exported, schedule: null } }), "invalid_input", "schedule.schedule");
  });

  it("forks from a finished job, refuses a running one, and the fork's schedule starts in the source", async () => {
    await s.create({ name: "origin" });
    const running = await claim(s, "origin");
    await rejects(s.create({ name: "from running", stop: { maxGenerations: 5 }, fork: { jobId: running.job.id } }), "invalid_state", "fork.jobId");
    await s.scheduler.completeJob(running.job.id, running.leaseToken, { score: 1, model_path: "/ckpt/a" });
    await runToDone(s, "origin", () => 1);
    const fork = await s.create({ name: "fork", stop: { maxGenerations: 4 }, fork: { jobId: running.job.id } });
    expect(fork.config.fork).toMatchObject({ jobId: running.job.id, experiment: "origin", generation: 0, member: running.job.member });
    const first = await claim(s, "fork");
    expect(first.job).toMatchObject({ origin: "fork", generation: 1, parentId: running.job.id, results: { model_path: "/ckpt/a" } });
    await s.scheduler.completeJob(first.job.id, first.leaseToken, { score: 2 });
    const schedule = await getBestSchedule(s.scheduler.deps, "fork", first.job.id);
    expect(schedule.schedule!.steps.map((step) => step.jobId)).toEqual([running.job.id, first.job.id]);
  });
});
