import { describe, expect, it } from "vitest";
import { downsample } from "./downsample";

const curve = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i) }));

describe("downsample", () => {
  it("returns short curves as they are", () => {
    const points = curve(10, (i) => i);
    expect(downsample(points, 100)).toBe(points);
  });

  it("keeps at most the budget, the first and last points, and every bucket's min and max", () => {
    const points = curve(10_000, (i) => Math.sin(i / 50));
    points[4321]!.value = 99; // a spike
    points[7777]!.value = -99; // a dip
    const kept = downsample(points, 200);
    expect(kept.length).toBeLessThanOrEqual(200);
    expect(kept[0]).toBe(points[0]);
    expect(kept.at(-1)).toBe(points.at(-1));
    expect(kept).toContain(points[4321]);
    expect(kept).toContain(points[7777]);
    const steps = kept.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });
});
