import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTick, integerTicks, logTicks, niceLinear } from "./ticks";

const round = (v: number) => {
  // 1, 2 or 5 times a power of ten, or a multiple of such a step: at most 4 significant digits.
  return Number(v.toPrecision(4)) === v;
};

describe("axis ticks", () => {
  it("gives round ticks that cover the data", () => {
    expect(niceLinear(0.805, 0.915).ticks).toEqual([0.8, 0.85, 0.9, 0.95]);
    expect(niceLinear(32, 1000).ticks).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(logTicks(1e-4, 0.1).ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(logTicks(0.003, 0.04).ticks).toEqual([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]);
    expect(integerTicks(0, 3).ticks.every(Number.isInteger)).toBe(true);
    expect(integerTicks(0, 1).ticks).toEqual([0, 1]);
    expect([1e-4, 2e-4, 0.001, 0.02, 0.5, 200, 3e6].map(formatTick)).toEqual(["1e-4", "2e-4", "0.001", "0.02", "0.5", "200", "3e+6"]);
    expect(niceLinear(0, 0.3).ticks.map(formatTick)).toEqual(["0", "0.1", "0.2", "0.3"]);
  });

  it("covers any range with a handful of round, increasing ticks", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        fc.pre(max - min > 1e-6 * Math.max(1, Math.abs(max)));
        const { domain, ticks } = niceLinear(min, max);
        expect(domain[0]).toBeLessThanOrEqual(min);
        expect(domain[1]).toBeGreaterThanOrEqual(max);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(12);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
        expect(ticks.every(round)).toBe(true);
      }),
    );
  });

  it("never gives a fractional generation", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (a, b) => {
        const { ticks, domain } = integerTicks(Math.min(a, b), Math.max(a, b));
        expect(ticks.every(Number.isInteger)).toBe(true);
        expect(domain[0]).toBeLessThanOrEqual(Math.min(a, b));
        expect(domain[1]).toBeGreaterThanOrEqual(Math.max(a, b));
      }),
    );
  });
});
