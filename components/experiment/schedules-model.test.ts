import { describe, expect, it } from "vitest";
import { choiceShares, lineageSchedule, memberSchedules, scheduleSpecs, type ScheduleSpec } from "./schedules-model";
import type { ExperimentConfig, JobNode } from "./types";

const job = (id: number, member: number, generation: number, hp: Record<string, unknown>, extra: Partial<JobNode> = {}): JobNode => ({
  id,
  member,
  generation,
  attempt: 0,
  status: "done",
  score: 0,
  diverged: false,
  parentId: null,
  origin: "continue",
  donorJobId: null,
  exploitReason: null,
  hyperparameters: hp as JobNode["hyperparameters"],
  ...extra,
});

describe("schedules model", () => {
  const config = {
    hyperparameters: {
      width: { init: { kind: "int", low: 16, high: 256 } },
      lr: { init: { kind: "loguniform", low: 1e-4, high: 0.1 }, explore: { kind: "perturb" } },
      act: { init: { kind: "choice", values: ["relu", "tanh"] }, explore: { kind: "shift" } },
    },
  } as unknown as ExperimentConfig;
  const specs = scheduleSpecs(config);
  const spec = (name: string) => specs.find((s) => s.name === name)! as ScheduleSpec;

  it("lists every hyperparameter, the explored ones first", () => {
    expect(specs.map((s) => [s.name, s.explored, s.log])).toEqual([
      ["act", true, false],
      ["lr", true, true],
      ["width", false, false],
    ]);
    expect(spec("act").categories).toEqual(['"relu"', '"tanh"']);
  });

  const jobs = [
    job(1, 0, 0, { lr: 0.01, act: "relu" }),
    job(2, 1, 0, { lr: 0.001, act: "tanh" }),
    job(3, 0, 1, { lr: 0.012, act: "relu" }, { parentId: 1 }),
    job(4, 1, 1, { lr: 0.009, act: "relu" }, { parentId: 1, origin: "exploit" }),
    job(5, 1, 2, { lr: 0.009, act: "relu" }, { parentId: 4, status: "pruned" }),
    job(6, 2, 0, { lr: 0.05, act: "tanh" }),
  ];

  it("draws members with a single job too, and leaves out pruned jobs", () => {
    const series = memberSchedules(jobs, spec("lr"));
    expect(series.map((s) => [s.member, s.points.map((p) => p.generation)])).toEqual([
      [0, [0, 1]],
      [1, [0, 1]],
      [2, [0]],
    ]);
  });

  it("gives a choice parameter's share of each value per generation", () => {
    const shares = choiceShares(jobs, spec("act"));
    expect(shares.get(0)).toEqual([1 / 3, 2 / 3]);
    expect(shares.get(1)).toEqual([1, 0]);
    expect(shares.has(2)).toBe(false);
  });

  it("gives a lineage's schedule in its order", () => {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(lineageSchedule([1, 4], byId, spec("lr"))).toEqual([
      { jobId: 1, generation: 0, value: 0.01 },
      { jobId: 4, generation: 1, value: 0.009 },
    ]);
    expect(lineageSchedule([1, 4], byId, spec("act")).map((p) => p.value)).toEqual([0, 0]);
  });
});
