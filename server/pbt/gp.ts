// The Gaussian process PB2 fits: inputs are (generation, features in [0, 1]), the kernel is PB2's
// time-varying squared exponential (Parker-Holder et al. 2020, §4), and the kernel's parameters
// are fitted by maximising the marginal likelihood. The linear algebra is ml-matrix's.
import { CholeskyDecomposition, Matrix } from "ml-matrix";

export interface GpInput {
  /** Time (the generation, normalised): the kernel forgets with distance in time, not in features. */
  t: number;
  /** Context and hyperparameters, each normalised to [0, 1]. */
  x: number[];
}

export interface KernelParams {
  variance: number;
  /** exp(-|x - x'|² / lengthscale), as PB2's implementation writes it. */
  lengthscale: number;
  /** How much the function may change per generation: correlation falls as (1 - ε)^(|t - t'| / 2). */
  epsilon: number;
  /** Observation noise variance. */
  noise: number;
}

/** Where the fit starts: GPy's defaults, which Ray Tune's PB2 starts from, with ε = 0.1. */
export const DEFAULT_KERNEL: KernelParams = { variance: 1, lengthscale: 1, epsilon: 0.1, noise: 1 };

/** The range each parameter is searched in (PB2 caps ε at 0.5 and the lengthscale at 1). */
const LIMITS = {
  variance: [0.01, 20],
  lengthscale: [0.005, 1],
  epsilon: [0, 0.5],
  noise: [1e-4, 2],
} as const satisfies Record<keyof KernelParams, readonly [number, number]>;

export function kernel(a: GpInput, b: GpInput, p: KernelParams): number {
  let d2 = 0;
  for (let i = 0; i < a.x.length; i++) d2 += (a.x[i]! - b.x[i]!) ** 2;
  return p.variance * Math.exp(-d2 / p.lengthscale) * (1 - p.epsilon) ** (Math.abs(a.t - b.t) / 2);
}

/** The kernel between every input of `rows` and every input of `columns`. */
function covariance(rows: GpInput[], columns: GpInput[], p: KernelParams): Matrix {
  const k = new Matrix(rows.length, columns.length);
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < columns.length; j++) k.set(i, j, kernel(rows[i]!, columns[j]!, p));
  return k;
}

export class GaussianProcess {
  private constructor(
    readonly inputs: GpInput[],
    readonly params: KernelParams,
    private readonly cholesky: CholeskyDecomposition,
    private readonly alpha: Matrix,
    /** log p(y | inputs, params). */
    readonly logLikelihood: number,
  ) {}

  /** The posterior given observations `y` of `inputs`; null when the covariance is not positive definite. */
  static condition(inputs: GpInput[], y: number[], params: KernelParams): GaussianProcess | null {
    const k = covariance(inputs, inputs, params);
    // A little jitter keeps the decomposition stable when two inputs coincide.
    for (let i = 0; i < inputs.length; i++) k.set(i, i, k.get(i, i) + params.noise + 1e-8);
    const cholesky = new CholeskyDecomposition(k);
    if (!cholesky.isPositiveDefinite()) return null;
    const observed = Matrix.columnVector(y);
    const alpha = cholesky.solve(observed);
    const l = cholesky.lowerTriangularMatrix;
    let logDeterminant = 0;
    for (let i = 0; i < inputs.length; i++) logDeterminant += 2 * Math.log(l.get(i, i));
    const fit = observed.dot(alpha);
    const logLikelihood = -0.5 * fit - 0.5 * logDeterminant - (inputs.length / 2) * Math.log(2 * Math.PI);
    return new GaussianProcess(inputs, params, cholesky, alpha, logLikelihood);
  }

  /** Posterior means at `points`. */
  mean(points: GpInput[]): number[] {
    if (this.inputs.length === 0) return points.map(() => 0);
    return covariance(points, this.inputs, this.params).mmul(this.alpha).getColumn(0);
  }

  /** Posterior variances at `points` (of the function, without the observation noise). */
  variance(points: GpInput[]): number[] {
    if (this.inputs.length === 0) return points.map((p) => kernel(p, p, this.params));
    const cross = covariance(this.inputs, points, this.params);
    const reduced = this.cholesky.solve(cross);
    const explained = cross.mul(reduced).sum("column");
    return points.map((p, i) => Math.max(0, kernel(p, p, this.params) - explained[i]!));
  }
}

type Coordinates = [number, number, number, number];

function toCoordinates(p: KernelParams): Coordinates {
  return [Math.log(p.variance), Math.log(p.lengthscale), p.epsilon, Math.log(p.noise)];
}

function fromCoordinates(c: Coordinates): KernelParams {
  const clamp = (v: number, [low, high]: readonly [number, number]) => Math.min(high, Math.max(low, v));
  return {
    variance: clamp(Math.exp(c[0]), LIMITS.variance),
    lengthscale: clamp(Math.exp(c[1]), LIMITS.lengthscale),
    epsilon: clamp(c[2], LIMITS.epsilon),
    noise: clamp(Math.exp(c[3]), LIMITS.noise),
  };
}

/**
 * The kernel parameters of highest marginal likelihood, found by a compass search from
 * DEFAULT_KERNEL (deterministic, no gradients: four parameters, a few dozen evaluations).
 */
export function fitKernel(inputs: GpInput[], y: number[], maxEvaluations = 30): KernelParams {
  const likelihood = (p: KernelParams) => GaussianProcess.condition(inputs, y, p)?.logLikelihood ?? Number.NEGATIVE_INFINITY;
  let best = toCoordinates(DEFAULT_KERNEL);
  let bestValue = likelihood(fromCoordinates(best));
  const steps: Coordinates = [1, 1, 0.2, 1.5];
  let evaluations = 1;
  while (evaluations < maxEvaluations && steps.some((s, i) => s > (i === 2 ? 0.02 : 0.1))) {
    let improved = false;
    for (let i = 0; i < 4 && evaluations < maxEvaluations; i++) {
      for (const direction of [1, -1]) {
        const trial = [...best] as Coordinates;
        trial[i] = trial[i]! + direction * steps[i]!;
        const value = likelihood(fromCoordinates(trial));
        evaluations++;
        if (value > bestValue) {
          best = toCoordinates(fromCoordinates(trial));
          bestValue = value;
          improved = true;
          break;
        }
      }
    }
    if (!improved) for (let i = 0; i < 4; i++) steps[i] = steps[i]! / 2;
  }
  return fromCoordinates(best);
}
