import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnalysisJob, AnalysisParameter } from "@/server/domain/analysis";
import { axesOf, brushed, position, SCORE_AXIS, valueAt } from "./axes";

const parameters: AnalysisParameter[] = [
  { name: "activation", kind: "categorical", scale: "linear", explored: false, min: null, max: null, levels: ["relu", "tanh", "gelu"] },
  { name: "batch", kind: "constant", scale: "linear", explored: false, min: null, max: null, levels: ["32"] },
  { name: "lr", kind: "numeric", scale: "log", explored: true, min: 1e-4, max: 0.1, levels: [] },
  { name: "dropout", kind: "numeric", scale: "linear", explored: true, min: 0, max: 0.6, levels: [] },
];
const job = (id: number, lr: number, activation: string, dropout: number, score: number): AnalysisJob => ({
  id,
  member: id % 4,
  generation: Math.floor(id / 4),
  score,
  improvement: null,
  values: { lr, activation, dropout },
});
const jobs = [job(1, 1e-3, "relu", 0.1, 0.5), job(2, 1e-2, "tanh", 0.3, 0.9), job(3, 1e-4, "gelu", 0.6, 0.2)];

describe("the analysis axes", () => {
  const axes = axesOf(parameters, jobs, "accuracy");

  it("draws every parameter that varies, then the score; constant ones tell nothing", () => {
    expect(axes.map((a) => a.key)).toEqual(["activation", "lr", "dropout", SCORE_AXIS]);
    expect(axes[1]!.title).toBe("lr (log)");
    expect(axes[3]!.title).toBe("accuracy");
    expect(axes[1]!.ticks.map((t) => t.value)).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
  });

  it("places values between the axis' ends: a log axis by decades, levels evenly", () => {
    const lr = axes[1]!;
    expect(position(lr, 1e-4)).toBeCloseTo(0, 12);
    expect(position(lr, 1e-3)).toBeCloseTo(1 / 3, 12);
    expect(position(axes[0]!, "tanh")).toBe(0.5);
    expect(position(axes[0]!, "swish")).toBeNull();
    expect(position(lr, -1)).toBeNull();
  });

  it("selects the jobs inside every brush", () => {
    const score = axes[3]!;
    const high = position(score, 0.45)!;
    expect(brushed(jobs, axes, {}).map((j) => j.id)).toEqual([1, 2, 3]);
    expect(brushed(jobs, axes, { [SCORE_AXIS]: [high, 1] }).map((j) => j.id)).toEqual([1, 2]);
    expect(brushed(jobs, axes, { [SCORE_AXIS]: [high, 1], activation: [0.4, 0.6] }).map((j) => j.id)).toEqual([2]);
  });

  it("maps a position back to the value there, on linear and log axes", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 0.6, noNaN: true }), (lr, dropout) => {
        expect(valueAt(axes[1]!, position(axes[1]!, lr)!)).toBeCloseTo(lr, 10);
        expect(valueAt(axes[2]!, position(axes[2]!, dropout)!)).toBeCloseTo(dropout, 10);
      }),
    );
  });
});
