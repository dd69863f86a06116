// Replay, fork and extend end to end: the real server, toy-problem worker processes, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../../server/testing/lineages";
import { ApiError, call, experimentPath } from "./http";
import { INITIAL_H, q, step, toyExperiment, type Theta } from "./problem";
import { runToy, runToyWorkers, type ToyRun } from "./run";

type Schedule = {
  experiment: string;
  schedule: { bestJobId: number; score: number | null; steps: { jobId: number; generation: number; hyperparameters: Record<string, number> }[] };
};
type Experiment = { name: string; status: string; config: { populationSize: number; stop: { maxGenerations: number }; fork?: Record<string, unknown> } };

describe("replay, fork and extend through the real server", () => {
  let server: ServerProcess;
  let original: ToyRun;
  beforeAll(async () => {
    server = await startServerProcess();
    original = await runToy({ url: server.url, name: "toy to replay", pbt: true, workers: 2, seed: 3, maxGenerations: 30 });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("replaying the best schedule from scratch reaches the original's final Q", async () => {
    const exported = await call<Schedule>(server.url, "GET", `${experimentPath(original.name)}/schedule`);
    expect(exported.schedule.steps.map((s) => s.generation)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const created = await call<Experiment>(server.url, "POST", "/replays", { name: "toy replay", schedule: exported, seeds: 2 });
    expect(created.config.populationSize).toBe(2);
    const replay = await runToyWorkers(server.url, "toy replay", 2);
    // Each member followed the schedule: its hyperparameters at generation g are the schedule's.
    for (const job of replay.jobs) {
      expect(job.origin).not.toBe("exploit");
      expect(job.hyperparameters).toEqual(exported.schedule.steps[job.generation]!.hyperparameters);
    }
    // The toy's training has no noise, so "within noise" is exact up to rounding: both members end
    // where the best job of the search ended, from scratch (θ = 0.9, 0.9) along the same h.
    for (const member of [0, 1]) {
      const last = replay.jobs.filter((j) => j.member === member && j.generation === 29)[0]!;
      expect(last.score).toBeCloseTo(exported.schedule.score!, 9);
    }
    expect(original.bestQ).toBeGreaterThan(1.1);
    expectCompleteLineages(replay.jobs as LineageJob[], 2, 30);
  }, 180_000);

  it("a fork continues from the chosen job's checkpoint, and its schedule leads back into the original", async () => {
    const best = (await call<Schedule>(server.url, "GET", `${experimentPath(original.name)}/schedule`)).schedule;
    const source = original.jobs.find((j) => j.id === best.steps[14]!.jobId)!;
    expect(source.generation).toBe(14);
    const config = { ...toyExperiment("toy fork", { pbt: true, maxGenerations: 25, seed: 4 }), fork: { jobId: source.id } };
    const created = await call<Experiment>(server.url, "POST", "/experiments", config);
    expect(created.config.fork).toMatchObject({ jobId: source.id, experiment: original.name, generation: 14, hyperparameters: source.hyperparameters });
    const fork = await runToyWorkers(server.url, "toy fork", 2);

    const first = fork.jobs.filter((j) => j.origin === "fork").sort((a, b) => a.member - b.member);
    expect(first.map((j) => [j.member, j.generation, j.parentId])).toEqual([
      [0, 15, source.id],
      [1, 15, source.id],
    ]);
    // Member 0 starts with the source's values; member 1 with them explored.
    expect(first[0]!.hyperparameters).toEqual(source.hyperparameters);
    // The results it started from were the source job's: θ trained 4 more steps from the source's θ,
    // and the step count carries on.
    const h = first[0]!.hyperparameters;
    let theta = source.results.theta as Theta;
    for (let i = 0; i < 4; i++) theta = step(theta, [h.h0!, h.h1!], 0.02);
    expect(first[0]!.score).toBeCloseTo(q(theta), 12);
    expect(first[0]!.results.step).toBe((source.results.step as number) + 4);
    // Complete lineages from generation 15 to 24 (the source, at 14, lives in the other experiment).
    expectCompleteLineages(
      fork.jobs.map((j) => ({ ...j, generation: j.generation - 15, parentId: j.origin === "fork" ? null : j.parentId })) as LineageJob[],
      2,
      10,
    );

    // Its best schedule runs from generation 0, the first 15 steps being the source's ancestry.
    const forkSchedule = (await call<Schedule>(server.url, "GET", `${experimentPath("toy fork")}/schedule`)).schedule;
    expect(forkSchedule.steps.map((s) => s.generation)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(forkSchedule.steps.slice(0, 15).map((s) => s.jobId)).toEqual(best.steps.slice(0, 15).map((s) => s.jobId));
  }, 180_000);

  it("refuses a fork of a job that is not finished, or a stopping rule the checkpoint is already past", async () => {
    const source = original.jobs.find((j) => j.generation === 20)!;
    const shallow = { ...toyExperiment("toy fork too short", { pbt: true, maxGenerations: 21 }), fork: { jobId: source.id } };
    const refused = await call(server.url, "POST", "/experiments", shallow).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).body.error).toMatchObject({ field: "stop.maxGenerations" });
    const missing = await call(server.url, "POST", "/experiments", { ...shallow, name: "toy fork of nothing", fork: { jobId: 999_999 } }).catch(
      (e: unknown) => e,
    );
    expect((missing as ApiError).status).toBe(404);
  });

  it("extending a finished experiment by 5 generations runs exactly 5 more per member", async () => {
    const name = "toy to extend";
    await call(server.url, "POST", "/experiments", { ...toyExperiment(name, { pbt: true, maxGenerations: 10, seed: 5 }), mode: "sync" });
    for (const [h0, h1] of INITIAL_H) await call(server.url, "POST", `${experimentPath(name)}/jobs`, { hyperparameters: { h0, h1 } });
    const before = await runToyWorkers(server.url, name, 2);
    expect((await call<Experiment>(server.url, "GET", experimentPath(name))).status).toBe("done");

    const lower = await call(server.url, "POST", `${experimentPath(name)}/extend`, { maxGenerations: 9 }).catch((e: unknown) => e);
    expect((lower as ApiError).status).toBe(400);
    expect((lower as ApiError).body.error).toMatchObject({ field: "maxGenerations" });

    const extended = await call<Experiment>(server.url, "POST", `${experimentPath(name)}/extend`, { maxGenerations: 15 });
    expect(extended).toMatchObject({ status: "running", config: { stop: { maxGenerations: 15 } } });
    const after = await runToyWorkers(server.url, name, 2);
    const added = after.jobs.filter((j) => !before.jobs.some((b) => b.id === j.id));
    // Sync mode: every member trains each generation once (continuing or copying a donor of the
    // same generation), so 5 more generations of lineage depth are 5 more jobs per member, at
    // generations 10 to 14, each continuing a job of the generation before.
    for (const member of [0, 1]) {
      expect(
        added
          .filter((j) => j.member === member)
          .map((j) => j.generation)
          .sort((a, b) => a - b),
      ).toEqual([10, 11, 12, 13, 14]);
    }
    expectCompleteLineages(after.jobs as LineageJob[], 2, 15);
    expect((await call<Experiment>(server.url, "GET", experimentPath(name))).status).toBe("done");
  }, 180_000);
});
