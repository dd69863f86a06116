import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeScale } from "./plot";
import { decimalsOf, formatTick, linearTicks, logTicks, niceDomain, niceStep } from "./ticks";

const isRound = (step: number) => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((r) => Math.abs(m - r) < 1e-6);
};

describe("ticks", () => {
  it("are round, evenly spaced values inside the range", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (lo, span) => {
        const hi = lo + span;
        fc.pre(hi > lo && span > Math.abs(lo) * 1e-6);
        const ticks = linearTicks(lo, hi, 5);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(11);
        // The step as the ticks mean it: their difference has the rounding error of a subtraction
        // of two close numbers (2.0000000000159e-7 for 0.0234740 − 0.0234738), which divided into
        // a tick a hundred thousand steps from 0 would exceed the tolerance below.
        const step = Number((ticks[1]! - ticks[0]!).toPrecision(6));
        expect(isRound(step)).toBe(true);
        for (const t of ticks) {
          expect(t).toBeGreaterThanOrEqual(lo - Math.abs(step) * 1e-6);
          expect(t).toBeLessThanOrEqual(hi + Math.abs(step) * 1e-6);
          // A multiple of the step: no 0.805 or 0.30000000000000004.
          expect(Math.abs(t / step - Math.round(t / step))).toBeLessThan(1e-6);
        }
      }),
    );
  });

  it("are whole numbers on a generation axis, however narrow", () => {
    expect(linearTicks(0, 1, 5, true)).toEqual([0, 1]);
    expect(linearTicks(0, 3, 8, true)).toEqual([0, 1, 2, 3]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (lo, span) => {
        for (const t of linearTicks(lo, lo + span, 6, true)) expect(Number.isInteger(t)).toBe(true);
      }),
    );
  });

  it("put powers of ten on a log axis", () => {
    expect(logTicks(1e-4, 0.1)).toEqual([1e-4, 1e-3, 0.01, 0.1]);
    expect(logTicks(0.02, 0.3)).toEqual([0.02, 0.05, 0.1, 0.2]);
  });

  it("label with the digits the step needs", () => {
    expect(decimalsOf(0.25)).toBe(2);
    expect(decimalsOf(5)).toBe(0);
    expect(formatTick(0.8, 0.1)).toBe("0.8");
    expect(formatTick(0.85, 0.05)).toBe("0.85");
    expect(formatTick(0.3 + 0.6, 0.3)).toBe("0.9");
    expect(formatTick(20000, 5000)).toBe("20k");
    expect(niceStep(0.13, 5)).toBe(0.05);
    expect(niceStep(9, 5)).toBe(2);
  });

  it("widen a domain to round ends", () => {
    expect(niceDomain(0.803, 0.917)).toEqual([0.8, 0.95]);
    expect(niceDomain(3, 3)).toEqual([2.85, 3.15]);
  });
});

describe("scales", () => {
  it("map and invert linear and log domains", () => {
    const lin = makeScale([0, 10], [0, 100]);
    expect(lin(5)).toBe(50);
    expect(lin.invert(25)).toBe(2.5);
    const log = makeScale([1e-4, 1], [100, 0], true);
    expect(log(1e-2)).toBeCloseTo(50);
    expect(log.invert(75)).toBeCloseTo(1e-3);
  });
});
