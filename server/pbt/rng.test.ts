import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng, rngFor, rngFromUniform } from "./rng";

const take = (n: number, next: () => number) => Array.from({ length: n }, next);

describe("createRng", () => {
  it("gives the same sequence for the same seed", () => {
    const a = createRng(42);
    const b = createRng(42);
    expect(take(100, () => a.next())).toEqual(take(100, () => b.next()));
  });

  it("gives different sequences for different seeds, including seeds that differ above 32 bits", () => {
    const first = (seed: number) => take(4, () => createRng(seed).next());
    expect(first(1)).not.toEqual(first(2));
    expect(createRng(1).next()).not.toBe(createRng(1 + 2 ** 32).next());
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });

  it("draws next() in [0, 1) spread evenly over ten buckets", () => {
    const rng = createRng(7);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = rng.next();
      if (u < 0 || u >= 1) outside++;
      else buckets[Math.floor(u * 10)]! += 1;
    }
    expect(outside).toBe(0);
    // Expected 2000 each; the standard deviation is about 42, so 200 is far outside chance.
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it("draws int() inclusive of both ends and nothing outside", () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.int(-2, 2));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  it("rejects int() bounds that are reversed or fractional", () => {
    const rng = createRng(3);
    expect(() => rng.int(2, 1)).toThrow(RangeError);
    expect(() => rng.int(0.5, 2)).toThrow(RangeError);
  });

  it("draws normal() with mean 0 and standard deviation 1", () => {
    const rng = createRng(11);
    const xs = take(20_000, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe("rngFromUniform", () => {
  it("maps the extremes of next() onto the ends of int()", () => {
    expect(rngFromUniform(() => 0).int(3, 9)).toBe(3);
    expect(rngFromUniform(() => 1 - 2 ** -53).int(3, 9)).toBe(9);
  });

  it("keeps int() within range even for spans of 2^53 and more", () => {
    const rng = rngFromUniform(() => 1 - 2 ** -53);
    const high = Number.MAX_SAFE_INTEGER;
    expect(rng.int(0, high)).toBe(high);
    expect(rng.int(-high, high)).toBeLessThanOrEqual(high);
    expect(rng.int(1, 3)).toBe(3);
  });

  it("gives a finite normal() even when next() returns 0", () => {
    expect(Number.isFinite(rngFromUniform(() => 0).normal())).toBe(true);
  });
});

describe("rngFor", () => {
  it("gives the same stream for the same seed and keys", () => {
    const a = rngFor(5, "exploit", 3, 7);
    const b = rngFor(5, "exploit", 3, 7);
    expect(take(20, () => a.next())).toEqual(take(20, () => b.next()));
  });

  it("gives different streams when any key differs, and keeps string and number keys apart", () => {
    const first = (rng: ReturnType<typeof rngFor>) => rng.next();
    const base = first(rngFor(5, "exploit", 3, 7));
    expect(first(rngFor(6, "exploit", 3, 7))).not.toBe(base);
    expect(first(rngFor(5, "explore", 3, 7))).not.toBe(base);
    expect(first(rngFor(5, "exploit", 4, 7))).not.toBe(base);
    expect(first(rngFor(5, "exploit", 3, 8))).not.toBe(base);
    expect(first(rngFor(5, "exploit", "3", 7))).not.toBe(base);
    expect(first(rngFor(5, "exploit3", 7))).not.toBe(base);
  });

  it("does not depend on which other streams were drawn from before", () => {
    const alone = rngFor(9, "init", 2).next();
    for (let m = 0; m < 5; m++) rngFor(9, "init", m).next();
    expect(rngFor(9, "init", 2).next()).toBe(alone);
  });

  it("gives streams that look independent across neighbouring keys", () => {
    // First draws of 5000 consecutive members: uniform and uncorrelated with the key.
    const firsts = Array.from({ length: 5000 }, (_, m) => rngFor(1, "init", m).next());
    const mean = firsts.reduce((s, x) => s + x, 0) / firsts.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const lag1 = firsts.slice(1).reduce((s, x, i) => s + (x - 0.5) * (firsts[i]! - 0.5), 0) / (firsts.length - 1);
    expect(Math.abs(lag1 / (1 / 12))).toBeLessThan(0.05);
  });

  it("always yields next() in [0, 1) for any seed and keys", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.oneof(fc.string(), fc.integer())), (seed, keys) => {
        const rng = rngFor(seed, ...keys);
        for (let i = 0; i < 5; i++) {
          const u = rng.next();
          if (!(u >= 0 && u < 1)) return false;
        }
        return true;
      }),
    );
  });
});
