import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMnist, trainingSlice, VALIDATION_SIZE } from "./data";
import { Mlp, Sgd, createRng, datasetFromDense, type Activation, type Parameters } from "./model";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lineage-mnist-model-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tinyProblem(seed: number) {
  const rng = createRng(seed);
  const rows = Array.from({ length: 6 }, () => Array.from({ length: 7 }, () => (rng() < 0.3 ? 0 : rng() * 2 - 1)));
  const labels = rows.map((_, k) => k % 3);
  return datasetFromDense(rows, labels);
}

describe("Mlp gradients", () => {
  for (const activation of ["relu", "tanh"] as Activation[]) {
    for (const dropoutRate of [0, 0.3]) {
      it(`match numeric differences (${activation}, dropout ${dropoutRate})`, () => {
        const data = tinyProblem(activation === "relu" ? 1 : 2);
        const model = Mlp.random({ inputs: 7, hidden: 5, outputs: 3, activation }, createRng(3));
        for (let i = 0; i < model.b1.length; i++) model.b1[i] = 0.1 * (i + 1); // non-zero biases get checked too
        const batch = [0, 1, 2, 3, 4, 5];
        const grads: Parameters = { w1: new Float64Array(35), b1: new Float64Array(5), w2: new Float64Array(15), b2: new Float64Array(3) };
        const scratch: Parameters = { w1: new Float64Array(35), b1: new Float64Array(5), w2: new Float64Array(15), b2: new Float64Array(3) };
        // The same dropout mask on every evaluation: a fresh rng with the same seed.
        const loss = () => model.lossAndGradients(data, batch, scratch, dropoutRate, createRng(99)).loss;
        model.lossAndGradients(data, batch, grads, dropoutRate, createRng(99));

        let checked = 0;
        for (const key of ["w1", "b1", "w2", "b2"] as const) {
          const weights = model[key];
          for (let i = 0; i < weights.length; i++) {
            const original = weights[i]!;
            weights[i] = original + 1e-3;
            const plus = weights[i]!; // float32: the step actually taken
            const lossPlus = loss();
            weights[i] = original - 1e-3;
            const minus = weights[i]!;
            const lossMinus = loss();
            weights[i] = original;
            const numeric = (lossPlus - lossMinus) / (plus - minus);
            const analytic = grads[key][i]!;
            expect(Math.abs(numeric - analytic), `${key}[${i}]: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
            checked++;
          }
        }
        expect(checked).toBe(58);
        expect(grads.w1.some((g) => g !== 0)).toBe(true);
      });
    }
  }
});

describe("checkpoints", () => {
  it("save and load give identical predictions and identical bytes", () => {
    const { train, validation } = loadMnist();
    const model = Mlp.random({ inputs: 784, hidden: 16, outputs: 10, activation: "tanh" }, createRng(5));
    const sgd = new Sgd(model, { learningRate: 0.1, momentum: 0.5, dropoutRate: 0.2 }, createRng(6));
    const slice = trainingSlice(train, 0, 256);
    for (let b = 0; b < slice.length; b += 32) sgd.step(train, slice.subarray(b, b + 32));

    const file = path.join(tmp, "nested", "job-1.bin");
    model.save(file);
    const loaded = Mlp.load(file);
    expect(loaded.shape).toEqual(model.shape);
    for (let k = 0; k < 50; k++) expect(loaded.probabilities(validation, k)).toEqual(model.probabilities(validation, k));
    expect(loaded.evaluate(validation, 200)).toEqual(model.evaluate(validation, 200));
    expect(Buffer.compare(loaded.toBuffer(), readFileSync(file))).toBe(0);
  });

  it("refuses a file that is not a checkpoint", () => {
    expect(() => Mlp.fromBuffer(Buffer.from("hello world"))).toThrow(/not a Lineage MLP checkpoint/);
    const good = Mlp.random({ inputs: 3, hidden: 2, outputs: 2, activation: "relu" }, createRng(1)).toBuffer();
    expect(() => Mlp.fromBuffer(good.subarray(0, good.length - 4))).toThrow(/expected/);
  });
});

describe("data", () => {
  it("splits the 10,000 digits into 8,000 training and 2,000 validation examples, the same way every time", () => {
    const { train, validation } = loadMnist();
    expect(train.count).toBe(8000);
    expect(validation.count).toBe(VALIDATION_SIZE);
    const counts = new Array(10).fill(0);
    for (const label of validation.labels) counts[label]++;
    for (const c of counts) expect(c).toBeGreaterThan(120); // every digit is represented
  });

  it("walks the training set epoch by epoch", () => {
    const { train } = loadMnist();
    const epoch = trainingSlice(train, 0, train.count);
    expect(new Set(epoch).size).toBe(train.count);
    // Two consecutive slices are the same as one long slice.
    const long = trainingSlice(train, 7000, 2000);
    expect([...trainingSlice(train, 7000, 1000), ...trainingSlice(train, 8000, 1000)]).toEqual([...long]);
    expect(trainingSlice(train, 8000, 8000)).not.toEqual(epoch); // each epoch its own order
  });
});

describe("training", () => {
  it("reaches well above chance on a small subset", () => {
    const { train, validation } = loadMnist();
    const model = Mlp.random({ inputs: 784, hidden: 32, outputs: 10, activation: "relu" }, createRng(7));
    const before = model.evaluate(validation, 500);
    const sgd = new Sgd(model, { learningRate: 0.1 }, createRng(8));
    const slice = trainingSlice(train, 0, 1500);
    for (let b = 0; b < slice.length; b += 32) sgd.step(train, slice.subarray(b, b + 32));
    const after = model.evaluate(validation, 500);
    expect(before.accuracy).toBeLessThan(0.3);
    expect(after.accuracy).toBeGreaterThan(0.75);
    expect(after.loss).toBeLessThan(before.loss);
  });
});
