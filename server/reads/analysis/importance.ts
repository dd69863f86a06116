// Hyperparameter importance as a functional ANOVA of main effects: an additive model of the target
// with one effect per hyperparameter (numeric values in quantile bins, `choice` values as they
// are), fitted by least squares (ml-matrix), and each parameter's importance is the share of the
// target's variance that only it explains: the fit lost when its effect is left out (Type II sums
// of squares), as an ω², corrected for the effect's degrees of freedom so that a parameter that does
// not matter scores near 0.
//
// Why this and not fANOVA on a random forest (Hutter et al. 2014, Optuna's default) or permutation
// importance: it needs no surrogate model, so it is exact, deterministic and cheap on 100,000 jobs;
// it is the same for any increasing rescaling of a parameter (a log axis changes nothing); and it
// treats `choice` parameters as the groups they are. Fitting every parameter at once matters for
// PBT: a member keeps its values from one generation to the next, so the values of two parameters
// travel together, and a one-parameter-at-a-time estimate credits each with the other's effect.
// What it leaves out: interactions between parameters (the random forest's strength), and that
// PBT's jobs are not independent draws, which makes a small effect look surer than it is.
import { Matrix, solve } from "ml-matrix";
import type { AnalysisParameter, Importance } from "../../domain/analysis";

/** At most this many quantile bins for a numeric parameter. */
export const MAX_BINS = 8;
/** Jobs per bin at least, on average: fewer bins when there are few jobs. */
export const MIN_PER_BIN = 5;
/** Below this many jobs no importance is given. */
export const MIN_SAMPLES = 10;

export interface Sample {
  values: Record<string, number | string>;
  /** The target: a score relative to its generation, or an improvement. */
  y: number;
}

/**
 * Group numbers of numeric values, in quantile bins by rank; equal values always share a bin (so a
 * parameter with two distinct values gets two groups, however many jobs).
 */
export function quantileBins(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const distinct = new Set(values).size;
  const bins = Math.max(1, Math.min(MAX_BINS, distinct, Math.floor(values.length / MIN_PER_BIN)));
  const group = new Array<number>(values.length);
  let firstRank = 0;
  for (let r = 0; r < order.length; r++) {
    if (r === 0 || order[r]![0] !== order[r - 1]![0]) firstRank = r;
    group[order[r]![1]] = Math.floor((firstRank * bins) / order.length);
  }
  return renumber(group);
}

/** Group numbers 0 .. k-1 in order of first appearance of their sorted ids (empty bins dropped). */
function renumber(group: number[]): number[] {
  const ids = [...new Set(group)].sort((a, b) => a - b);
  const index = new Map(ids.map((id, i) => [id, i]));
  return group.map((g) => index.get(g)!);
}

function categoricalGroups(labels: string[]): number[] {
  const index = new Map<string, number>();
  for (const label of [...new Set(labels)].sort()) index.set(label, index.size);
  return labels.map((l) => index.get(l)!);
}

/** The residual sum of squares of a least-squares fit on the columns `keep` of the normal equations. */
function residual(xtx: number[][], xty: number[], yty: number, keep: number[]): number {
  if (keep.length === 0) return yty;
  const a = new Matrix(keep.map((i) => keep.map((j) => xtx[i]![j]!)));
  const b = Matrix.columnVector(keep.map((i) => xty[i]!));
  // SVD: bins of two parameters can coincide, which makes the normal equations singular.
  const beta = solve(a, b, true).getColumn(0);
  // RSS = y'y − β'X'y at the least-squares solution.
  return Math.max(0, yty - beta.reduce((sum, v, i) => sum + v * xty[keep[i]!]!, 0));
}

/** The importance of each parameter for the samples' target, most important first. */
export function importanceOf(samples: Sample[], parameters: AnalysisParameter[]): Importance {
  const varying = parameters.filter((p) => p.kind !== "constant");
  // Jobs that hold a value of every parameter (a value of the wrong kind is left out).
  const complete = samples.filter((s) => varying.every((p) => typeof s.values[p.name] === (p.kind === "numeric" ? "number" : "string")));
  const n = complete.length;
  const groups = varying.map((p) =>
    p.kind === "numeric" ? quantileBins(complete.map((s) => s.values[p.name] as number)) : categoricalGroups(complete.map((s) => s.values[p.name] as string)),
  );
  const counts = groups.map((g) => g.reduce((k, v) => Math.max(k, v + 1), 0));
  // Columns: the intercept, then each parameter's groups after its first (the reference).
  const columnsOf: number[][] = [];
  let width = 1;
  for (const k of counts) {
    columnsOf.push(Array.from({ length: Math.max(0, k - 1) }, (_, i) => width + i));
    width += Math.max(0, k - 1);
  }

  const unknown = (p: AnalysisParameter, k = 1) => ({ parameter: p.name, importance: null, groups: k });
  const mean = complete.reduce((sum, s) => sum + s.y, 0) / Math.max(1, n);
  const ys = complete.map((s) => s.y - mean);
  const total = ys.reduce((sum, y) => sum + y * y, 0);
  const squares = complete.reduce((sum, s) => sum + s.y * s.y, 0);
  let result: Importance["parameters"];
  if (n < MIN_SAMPLES || n <= width + 1 || !(total > 1e-12 * squares)) {
    // Too few jobs for the model, or a target without variance: nothing to explain.
    result = parameters.map((p) => unknown(p, p.kind === "constant" ? 1 : (counts[varying.indexOf(p)] ?? 0)));
  } else {
    // Normal equations, accumulated row by row: X is never held (n × width could be 100,000 × 50).
    const xtx = Array.from({ length: width }, () => new Array<number>(width).fill(0));
    const xty = new Array<number>(width).fill(0);
    const row: number[] = [];
    for (let r = 0; r < n; r++) {
      row.length = 0;
      row.push(0);
      for (let p = 0; p < varying.length; p++) {
        const g = groups[p]![r]!;
        if (g > 0) row.push(columnsOf[p]![g - 1]!);
      }
      const y = ys[r]!;
      for (const i of row) {
        xty[i]! += y;
        for (const j of row) xtx[i]![j]! += 1;
      }
    }
    const all = Array.from({ length: width }, (_, i) => i);
    const full = residual(xtx, xty, total, all);
    const meanSquare = full / (n - width);
    result = parameters.map((p) => {
      const i = varying.indexOf(p);
      if (i < 0) return unknown(p);
      if (counts[i]! < 2) return unknown(p, counts[i]!);
      const without = residual(
        xtx,
        xty,
        total,
        all.filter((c) => !columnsOf[i]!.includes(c)),
      );
      const omega = (without - full - (counts[i]! - 1) * meanSquare) / (total + meanSquare);
      return { parameter: p.name, importance: Math.min(1, Math.max(0, omega)), groups: counts[i]! };
    });
  }
  result.sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1) || a.parameter.localeCompare(b.parameter));
  return { samples: n, parameters: result };
}
