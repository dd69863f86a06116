// Test support only (not exported from the engine's index): fast-check generators for the
// engine's plain data, shaped like what the config schema accepts.
import fc from "fast-check";
import type { Distribution, Explore } from "./config";

/** Numeric distributions as the config schema allows them. */
export const numericDistribution: fc.Arbitrary<Distribution> = fc.oneof(
  fc
    .tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }))
    .map(([low, width]): Distribution => ({ kind: "uniform", low, high: low + width }))
    .filter((d) => d.kind === "uniform" && d.low < d.high),
  fc
    .tuple(fc.double({ min: 1e-8, max: 1e3, noNaN: true }), fc.double({ min: 1.0001, max: 1e6, noNaN: true }))
    .map(([low, ratio]): Distribution => ({ kind: "loguniform", low, high: low * ratio })),
  fc
    .tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }))
    .map(([low, width]): Distribution => ({ kind: "int", low, high: low + width })),
  fc
    .tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }))
    .map(([mean, std]): Distribution => ({ kind: "normal", mean, std })),
);

const factor = fc.double({ min: 0.01, max: 10, noNaN: true });

/** How a multiplicative step draws its factor: defaults, a [min, max] range or a list. */
const perturbFields = fc.oneof(
  fc.constant({}),
  fc.tuple(factor, factor).map(([a, b]) => ({ minFactor: Math.min(a, b), maxFactor: Math.max(a, b) })),
  fc.array(factor, { minLength: 1, maxLength: 4 }).map((factors) => ({ factors })),
);

/** perturb or resample, the explore strategies of numeric parameters. */
export const numericExplore: fc.Arbitrary<Explore> = fc.oneof(
  perturbFields.map((fields): Explore => ({ kind: "perturb", ...fields })),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), perturbFields).map(([probability, fields]): Explore => ({ kind: "resample", probability, ...fields })),
);

/** A current value as explore may find it: anywhere on the line, missing, or not a number. */
export const currentValue: fc.Arbitrary<number | string | null | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e7, max: 1e7, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, "x") },
);
