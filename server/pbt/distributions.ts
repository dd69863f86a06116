// Initial distributions: where a new member's hyperparameters come from, the prior that
// `resample` draws from again, and the bounds every explored value is clamped back into.
import type { Distribution, Hyperparameters } from "./config";
import type { Rng } from "./rng";

/** Any JSON value a hyperparameter can hold. */
export type JsonValue = Hyperparameters[string];

export function sample(dist: Distribution, rng: Rng): JsonValue {
  switch (dist.kind) {
    case "uniform":
      // min(): low + (high - low) * u can round up to high when u is just below 1.
      return Math.min(dist.high, dist.low + (dist.high - dist.low) * rng.next());
    case "loguniform": {
      const logLow = Math.log(dist.low);
      const value = Math.exp(logLow + (Math.log(dist.high) - logLow) * rng.next());
      // exp(log(x)) is not exactly x; keep the promise that samples lie within [low, high].
      return Math.min(dist.high, Math.max(dist.low, value));
    }
    case "normal":
      return dist.mean + dist.std * rng.normal();
    case "int":
      return rng.int(dist.low, dist.high);
    case "choice":
      // A copy, so a member's hyperparameters never alias the experiment's config.
      return structuredClone(dist.values[pickIndex(dist.values.length, dist.weights, rng)] ?? null);
    case "const":
      return structuredClone(dist.value);
  }
}

function pickIndex(count: number, weights: number[] | undefined, rng: Rng): number {
  if (weights === undefined) return rng.int(0, count - 1);
  const total = weights.reduce((sum, w) => sum + w, 0);
  let target = rng.next() * total;
  let lastPositive = 0;
  for (let i = 0; i < count; i++) {
    const w = weights[i] ?? 0;
    if (w <= 0) continue;
    lastPositive = i;
    if (target < w) return i;
    target -= w;
  }
  // Floating-point subtraction can leave a sliver of `target` past the last weight; it belongs
  // to the last value that can be chosen at all, never to a zero-weight one.
  return lastPositive;
}

/** Numeric bounds an explored value is clamped into; null when the distribution has none. */
export function bounds(dist: Distribution): { low: number; high: number } | null {
  switch (dist.kind) {
    case "uniform":
    case "loguniform":
    case "int":
      return { low: dist.low, high: dist.high };
    case "normal":
    case "choice":
    case "const":
      return null;
  }
}

/**
 * Brings an explored value back inside the initial distribution: drifting past the bounds is
 * the most reported PBT complaint of Ray Tune's users. Integers are rounded first and then
 * clamped, so the result is an integer inside [low, high] (the bounds are integers).
 */
export function clampToDistribution(dist: Distribution, value: number): number {
  const rounded = dist.kind === "int" ? Math.round(value) : value;
  const range = bounds(dist);
  if (range === null) return rounded;
  return Math.min(range.high, Math.max(range.low, rounded));
}

/**
 * Why `value` cannot be a value of the distribution, or null when it can: what a job pushed by
 * hand is checked against, so that it holds only values PBT itself could have drawn or reached.
 */
export function valueProblem(dist: Distribution, value: JsonValue): { message: string; accepted: string } | null {
  switch (dist.kind) {
    case "uniform":
    case "loguniform":
    case "int":
    case "normal": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { message: `must be a finite number for a ${dist.kind} parameter`, accepted: "finite number" };
      }
      const range = bounds(dist);
      const accepted = range ? `${dist.kind === "int" ? "an integer" : "a number"} in [${range.low}, ${range.high}]` : "finite number";
      if (dist.kind === "int" && !Number.isInteger(value)) return { message: "must be an integer", accepted };
      if (range && (value < range.low || value > range.high)) return { message: `must lie within the distribution's bounds`, accepted };
      return null;
    }
    case "choice":
      if (dist.values.some((v) => jsonEqual(v, value))) return null;
      return { message: "must be one of the choice's values", accepted: brief(dist.values.map((v) => JSON.stringify(v)).join(" | ")) };
    case "const":
      if (jsonEqual(dist.value, value)) return null;
      return { message: "must be the constant's value", accepted: brief(JSON.stringify(dist.value)) };
  }
}

function brief(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

/** Deep equality of JSON values; object key order does not matter (JSON objects are unordered). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i] ?? null));
  }
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key] ?? null, b[key] ?? null));
}
