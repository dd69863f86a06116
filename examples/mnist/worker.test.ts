// The training function on its own, with hand-made jobs (no server).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TrainingJob } from "./worker";
import { Mlp } from "./model";
import { makeTrain } from "./worker";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lineage-mnist-worker-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function job(id: number, generation: number, hyperparameters: Record<string, unknown>, results: Record<string, unknown> = {}) {
  const points: { step: number; values: Record<string, number> }[] = [];
  const value: TrainingJob = {
    id,
    member: 0,
    generation,
    hyperparameters,
    results,
    log: async (step, values) => void points.push({ step, values }),
    // With a checkpoint folder the weights travel as files named in the results, not through the server.
    loadCheckpoint: () => Promise.reject(new Error("not through the server here")),
    saveCheckpoint: () => Promise.reject(new Error("not through the server here")),
  };
  return { job: value, points };
}

describe("the MNIST training function", () => {
  const train = makeTrain({ checkpointDir: tmp, examplesPerJob: 600, batchSize: 30, logEvery: 300, validationLimit: 400 });
  const hp = { learning_rate: 0.1, dropout_rate: 0.1, hidden_units: 32, activation: "relu" };

  it("trains from scratch, then continues from the checkpoint with steps and max_accuracy carried on", async () => {
    const first = job(1, 0, hp);
    const r1 = await train(first.job);
    expect(r1.model_path).toBe(path.join(tmp, "job-1.bin"));
    expect(existsSync(r1.model_path!)).toBe(true);
    expect(r1.step).toBe(20);
    expect(r1.examples_seen).toBe(600);
    expect(first.points.map((p) => p.step)).toEqual([10, 20]);
    expect(Object.keys(first.points[0]!.values).sort()).toEqual(["accuracy", "loss", "train_accuracy", "train_loss"]);
    expect(r1.accuracy).toBeGreaterThan(0.5);
    expect(r1.max_accuracy).toBe(Math.max(...first.points.map((p) => p.values.accuracy!)));

    const second = job(2, 1, hp, r1);
    const r2 = await train(second.job);
    expect(r2.model_path).toBe(path.join(tmp, "job-2.bin")); // a new file: the donor's stays as it was
    expect(second.points.map((p) => p.step)).toEqual([30, 40]);
    expect(r2.step).toBe(40);
    expect(r2.examples_seen).toBe(1200);
    expect(r2.max_accuracy).toBeGreaterThanOrEqual(r1.max_accuracy);
    expect(Mlp.load(r1.model_path!).toBuffer().equals(Mlp.load(r2.model_path!).toBuffer())).toBe(false);
  });

  it("fails clearly when the checkpoint does not fit the job's hyperparameters", async () => {
    const r1 = await train(job(3, 0, hp).job);
    await expect(train(job(4, 1, { ...hp, hidden_units: 64 }, r1).job)).rejects.toThrow(/has 32 relu units but the job asks for 64 relu/);
    await expect(train(job(5, 0, { ...hp, activation: "sigmoid" }).job)).rejects.toThrow(/activation must be one of relu, tanh/);
  });
});
