// PB2's explore (Parker-Holder et al. 2020, "Provably Efficient Online Hyperparameter Optimization
// with Population-Based Bandits"): a member that exploits gets the values that maximise GP-UCB,
// where the Gaussian process (gp.ts) models the improvement of the score over one generation as a
// function of (generation, the score it started from, the hyperparameters), fitted to the
// population's recent history. Choices still being trained (pending) are added with made-up
// outcomes, which lowers the variance around them without moving the mean, so members exploiting
// at the same time spread out (batch GP-UCB, as the paper and Ray Tune's PB2 do).
import type { Distribution, Hyperparameters } from "./config";
import type { Objective } from "./exploit";
import { fitKernel, GaussianProcess, type GpInput, type KernelParams } from "./gp";
import { sample } from "./distributions";
import type { Rng } from "./rng";

/**
 * At most this many history points are fitted (the most recent ones), so a decision costs the same
 * at generation 5 as at generation 500: the time-varying kernel forgets older ones anyway.
 */
export const PB2_HISTORY = 64;
/** At most this many pending choices are added, the most recent first. */
export const PB2_PENDING = 16;
/** Below this many observed improvements there is nothing to fit: values are drawn from the prior. */
export const PB2_MIN_POINTS = 3;

/** A done job that continued a scored checkpoint: one observation of improvement. */
export interface Pb2Point {
  member: number;
  jobId: number;
  generation: number;
  hyperparameters: Hyperparameters;
  /** null: the run diverged. */
  score: number | null;
  /** The score of the checkpoint the job started from (its parent's); null if that one diverged. */
  parentScore: number | null;
}

/** A job being trained now with values PB2 chose: its outcome is not known yet. */
export interface Pb2Pending {
  generation: number;
  hyperparameters: Hyperparameters;
}

export interface Pb2Context {
  objective: Objective;
  history: Pb2Point[];
  pending: Pb2Pending[];
  /** The job being decided: its generation, and the score of the checkpoint it starts from. */
  next: { generation: number; parentScore: number | null };
}

/** The points a decision fits: usable ones, newest first (by generation, then member), at most PB2_HISTORY. */
export function pb2Window(history: Pb2Point[]): Pb2Point[] {
  return history
    .filter((p) => p.parentScore !== null && Number.isFinite(p.parentScore))
    .sort((a, b) => b.generation - a.generation || a.member - b.member || b.jobId - a.jobId)
    .slice(0, PB2_HISTORY);
}

/** Where a value lies between its distribution's bounds, in [0, 1] (loguniform: on the log scale). */
export function toUnit(dist: Distribution, value: number): number {
  if (dist.kind !== "uniform" && dist.kind !== "loguniform" && dist.kind !== "int") throw new Error(`pb2 cannot explore ${dist.kind}`);
  const [low, high, v] = dist.kind === "loguniform" ? [Math.log(dist.low), Math.log(dist.high), Math.log(value)] : [dist.low, dist.high, value];
  if (high === low) return 0;
  return Math.min(1, Math.max(0, (v - low) / (high - low)));
}

/** The value at `unit` ∈ [0, 1] between the distribution's bounds; an int is rounded. */
export function fromUnit(dist: Distribution, unit: number): number {
  const u = Math.min(1, Math.max(0, unit));
  switch (dist.kind) {
    case "uniform":
      return Math.min(dist.high, dist.low + (dist.high - dist.low) * u);
    case "loguniform":
      return Math.min(dist.high, Math.max(dist.low, Math.exp(Math.log(dist.low) + (Math.log(dist.high) - Math.log(dist.low)) * u)));
    case "int":
      return Math.min(dist.high, Math.max(dist.low, Math.round(dist.low + (dist.high - dist.low) * u)));
    default:
      throw new Error(`pb2 cannot explore ${dist.kind}`);
  }
}

export interface Pb2Choice {
  values: Record<string, number>;
  /** "pb2", or "pb2-prior" when there was too little history to fit. */
  operation: string;
}

/**
 * The values of the PB2-explored parameters (`params`, sorted by name) for the job `ctx.next`
 * describes. `base` is where the member starts from (the donor's values): it is one of the
 * candidates, so a region that keeps improving can be kept.
 */
export function choosePb2(params: [string, Distribution][], base: Hyperparameters, ctx: Pb2Context, rng: Rng): Pb2Choice {
  const data = observations(params, ctx);
  if (data === null) {
    const values: Record<string, number> = {};
    for (const [name, dist] of params) values[name] = sample(dist, rng) as number;
    return { values, operation: "pb2-prior" };
  }
  const kernelParams = fittedKernel(data.inputs, data.y);
  const model = GaussianProcess.condition(data.inputs, data.y, kernelParams);
  const pending = ctx.pending.slice(0, PB2_PENDING).flatMap((p) => {
    const x = unitValues(params, p.hyperparameters);
    return x === null ? [] : [{ t: data.time(p.generation), x: [data.context(ctx.next.parentScore), ...x] }];
  });
  // The variance comes from a model that also holds the pending choices (with any outcome: the
  // variance does not depend on it), the mean from the observed data alone.
  const spread = pending.length === 0 ? model : GaussianProcess.condition([...data.inputs, ...pending], [...data.y, ...pending.map(() => 0)], kernelParams);
  if (model === null || spread === null) {
    const values: Record<string, number> = {};
    for (const [name, dist] of params) values[name] = sample(dist, rng) as number;
    return { values, operation: "pb2-prior" };
  }
  // GP-UCB's exploration weight grows with the data: β = c1·log(c2·n) as in Ray Tune's PB2 (c2 = 0.4),
  // with c1 = 0.8 rather than 0.2, because Ray weighs the variance and this weighs the standard
  // deviation (GP-UCB's form); 0.8 did best on bench/quality.ts's learning-rate toy.
  const kappa = Math.sqrt(Math.max(0.04, 0.8 * Math.log(0.4 * data.y.length)));
  const context = data.context(ctx.next.parentScore);
  const ucb = (candidates: number[][]) => {
    const points = candidates.map((x) => ({ t: data.time(ctx.next.generation), x: [context, ...x] }));
    const mean = model.mean(points);
    const variance = spread.variance(points);
    return candidates.map((_, i) => mean[i]! + kappa * Math.sqrt(variance[i]!));
  };
  const best = maximise(ucb, params.length, unitValues(params, base), rng);
  const values: Record<string, number> = {};
  params.forEach(([name, dist], i) => (values[name] = fromUnit(dist, best[i]!)));
  return { values, operation: "pb2" };
}

interface Observations {
  inputs: GpInput[];
  /** Improvements, standardised and clipped to [-2, 2] as PB2 does; a diverged run counts as -2. */
  y: number[];
  /** A starting score, normalised by the window's range. */
  context: (score: number | null) => number;
  /** A generation, normalised by the window's range. */
  time: (generation: number) => number;
}

function observations(params: [string, Distribution][], ctx: Pb2Context): Observations | null {
  const sign = ctx.objective === "maximize" ? 1 : -1;
  const rows = pb2Window(ctx.history).flatMap((p) => {
    const x = unitValues(params, p.hyperparameters);
    return x === null ? [] : [{ p, x, improvement: p.score === null ? null : sign * (p.score - p.parentScore!) }];
  });
  const finite = rows.flatMap((r) => (r.improvement === null || !Number.isFinite(r.improvement) ? [] : [r.improvement]));
  if (finite.length < PB2_MIN_POINTS) return null;
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  const std = Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / finite.length);
  const starts = rows.map((r) => r.p.parentScore!);
  const low = Math.min(...starts);
  const high = Math.max(...starts);
  const context = (score: number | null) => (score === null || !Number.isFinite(score) || high === low ? 0 : (score - low) / (high - low));
  const gens = rows.map((r) => r.p.generation);
  const g0 = Math.min(...gens);
  const g1 = Math.max(...gens);
  // Generations normalised over the window, as Ray Tune's PB2 does: ε then says how much the
  // function drifts across the window (raw generations made the fit forget all but the last few).
  const time = (g: number) => (g1 === g0 ? 0 : (g - g0) / (g1 - g0));
  // Oldest first, so the fitted numbers do not depend on the order the shell returned rows in.
  const ordered = [...rows].reverse();
  return {
    inputs: ordered.map((r) => ({ t: time(r.p.generation), x: [context(r.p.parentScore), ...r.x] })),
    y: ordered.map((r) => (r.improvement === null || !Number.isFinite(r.improvement) ? -2 : Math.min(2, Math.max(-2, (r.improvement - mean) / (std + 1e-8))))),
    context,
    time,
  };
}

/** The parameters' values in [0, 1], or null when one is missing or not a number (a value pushed by hand elsewhere). */
function unitValues(params: [string, Distribution][], values: Hyperparameters): number[] | null {
  const units: number[] = [];
  for (const [name, dist] of params) {
    const v = values[name];
    if (typeof v !== "number" || !Number.isFinite(v)) return null;
    units.push(toUnit(dist, v));
  }
  return units;
}

/**
 * The acquisition's maximum over [0, 1]^d: random candidates (and the starting values), then
 * three rounds of smaller steps around the best three so far. Few candidates: the variance of each
 * costs a triangular solve, and a decision must stay well under the scheduler's batch time.
 */
function maximise(score: (candidates: number[][]) => number[], dimensions: number, start: number[] | null, rng: Rng): number[] {
  const candidates: number[][] = start ? [start] : [];
  for (let i = 0; i < 48; i++) candidates.push(Array.from({ length: dimensions }, () => rng.next()));
  let scored = candidates.map((x, i) => ({ x, value: 0, order: i }));
  const values = score(candidates);
  scored.forEach((c, i) => (c.value = values[i]!));
  for (const step of [0.1, 0.03, 0.01]) {
    const best = [...scored].sort((a, b) => b.value - a.value || a.order - b.order).slice(0, 3);
    const around = best.flatMap((b) => Array.from({ length: 4 }, () => b.x.map((v) => Math.min(1, Math.max(0, v + step * rng.normal())))));
    const aroundValues = score(around);
    scored = [...scored, ...around.map((x, i) => ({ x, value: aroundValues[i]!, order: scored.length + i }))];
  }
  return [...scored].sort((a, b) => b.value - a.value || a.order - b.order)[0]!.x;
}

/**
 * The kernel fitted to these observations. Every decision of a batch sees the same history, so
 * the fit (the costly part) is kept for the next one: keyed by the data itself, so the outcome is
 * the same as fitting again.
 */
const fits = new Map<string, KernelParams>();
const FITS_KEPT = 16;

function fittedKernel(inputs: GpInput[], y: number[]): KernelParams {
  const key = JSON.stringify([inputs, y]);
  const known = fits.get(key);
  if (known) return known;
  const params = fitKernel(inputs, y);
  fits.set(key, params);
  if (fits.size > FITS_KEPT) fits.delete(fits.keys().next().value!);
  return params;
}
