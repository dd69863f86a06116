import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildLines, higherIsBetter, logDomain, rankMembers, smooth, tracePaths, valuesAt, xExtent, yExtent } from "./curves-model";
import type { Curves } from "./types";

const curves = (series: Curves["series"], exploits: Partial<Curves["exploits"][number]>[] = []): Curves => ({
  metrics: ["acc"],
  metric: "acc",
  x: "step",
  series,
  exploits: exploits.map((e) => ({
    jobId: 0,
    member: 0,
    donorMember: null,
    donorJobId: null,
    reason: null,
    mutations: [],
    generation: 0,
    step: 0,
    value: 0,
    ...e,
  })),
  best: null,
  totalPoints: 0,
});

const p = (step: number, value: number) => ({ step, value });

describe("curves model", () => {
  // Member 0 trains jobs 1, 3; member 1 trains job 2, then copies job 3 (job 4, from step 20).
  const data = curves(
    [
      { member: 0, points: [p(0, 0.1), p(10, 0.2), p(20, 0.5)], jobIds: [1, 1, 3] },
      { member: 1, points: [p(0, 0.3), p(10, 0.1), p(21, 0.6), p(30, 0.7)], jobIds: [2, 2, 4, 4] },
    ],
    [{ jobId: 4, member: 1, donorMember: 0, donorJobId: 3, step: 21, value: 0.6 }],
  );
  const lines = buildLines(data, 0);

  it("lists every member's value at an x, best first, only where its line reaches", () => {
    expect(valuesAt(lines, 12, true)).toEqual([
      { member: 0, x: 10, value: 0.2, jobId: 1 },
      { member: 1, x: 10, value: 0.1, jobId: 2 },
    ]);
    expect(valuesAt(lines, 25, true).map((v) => v.member)).toEqual([1]);
    expect(valuesAt(lines, 12, false).map((v) => v.member)).toEqual([1, 0]);
  });

  it("fits y to the points in view and to the chosen members", () => {
    expect(xExtent(lines)).toEqual([0, 30]);
    expect(yExtent(lines, [0, 10], null, false)).toEqual([0.1, 0.3]);
    expect(yExtent(lines, [15, 30], new Set([0]), false)).toEqual([0.5, 0.5]);
    expect(yExtent(lines, [100, 200], null, false)).toBeNull();
    expect(rankMembers(lines, true)).toEqual([1, 0]);
  });

  it("joins a traced copy to its donor's last point", () => {
    const parents = new Map([
      [3, 1],
      [4, 3],
      [1, null],
      [2, null],
    ]);
    const paths = tracePaths(lines, new Set([1, 3, 4]), (id) => parents.get(id) ?? null);
    expect(paths).toEqual([
      {
        jobId: 1,
        points: [
          { x: 0, y: 0.1 },
          { x: 10, y: 0.2 },
        ],
      },
      {
        jobId: 3,
        points: [
          { x: 10, y: 0.2 },
          { x: 20, y: 0.5 },
        ],
      },
      {
        jobId: 4,
        points: [
          { x: 20, y: 0.5 },
          { x: 21, y: 0.6 },
          { x: 30, y: 0.7 },
        ],
      },
    ]);
  });

  it("smooths within a run and restarts where a copy starts", () => {
    const smoothed = buildLines(data, 0.9).find((l) => l.member === 1)!.ys;
    expect(smoothed[0]).toBeCloseTo(0.3);
    expect(smoothed[2]).toBeCloseTo(0.6); // restarted at the copy
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (ys, w) => {
          // A smoothed curve stays inside the range of the values it smooths.
          const out = smooth(ys, new Set(), w);
          const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
          for (const y of out) {
            expect(y).toBeGreaterThanOrEqual(lo - 1e-6 * Math.max(1, Math.abs(lo)));
            expect(y).toBeLessThanOrEqual(hi + 1e-6 * Math.max(1, Math.abs(hi)));
          }
        },
      ),
    );
  });

  it("guesses which way a metric improves", () => {
    const config = { metric: "acc", objective: "maximize" as const };
    expect(higherIsBetter("acc", config)).toBe(true);
    expect(higherIsBetter("val_loss", config)).toBe(false);
    expect(higherIsBetter("accuracy", config)).toBe(true);
    expect(higherIsBetter("acc", { metric: "acc", objective: "minimize" })).toBe(false);
  });

  it("puts a log axis on whole powers of ten", () => {
    expect(logDomain([0.003, 0.4])).toEqual([0.001, 1]);
  });
});
