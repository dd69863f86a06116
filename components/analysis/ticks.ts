// Round axis ticks for the analysis charts (parallel coordinates, scatter, comparison): 1, 2 or 5
// times a power of ten on a linear axis, powers of ten (with 2 and 5 between, when few) on a log one.

/** The step between ticks: 1, 2 or 5 × 10^k, giving about `count` ticks over the span. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return step * power;
}

/** A nice extent covering [min, max] and its round ticks (about `count`). */
export function niceLinear(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { domain: [0, 1], ticks: [0, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) / 10;
    return niceLinear(min - pad, max + pad, count);
  }
  const step = niceStep(max - min, count);
  let lo = Math.floor(min / step) * step;
  let hi = Math.ceil(max / step) * step;
  // min / step can round to 0 (a subnormal min): the extent must still cover it.
  if (lo > min) lo -= step;
  if (hi < max) hi += step;
  const ticks: number[] = [];
  // Counted in whole steps and rounded to the step's decimals: 0.1 + 0.2 is not 0.30000000000000004 here.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let i = 0; lo + i * step <= hi + step / 2; i++) ticks.push(Number((lo + i * step).toFixed(decimals)));
  return { domain: [ticks[0]!, ticks.at(-1)!], ticks };
}

/** Whole-number ticks (generations, steps): never a fractional one. */
export function integerTicks(min: number, max: number, count = 6): { domain: [number, number]; ticks: number[] } {
  const { domain, ticks } = niceLinear(Math.floor(min), Math.ceil(max), count);
  const whole = ticks.filter(Number.isInteger);
  if (whole.length >= 2) return { domain, ticks: whole };
  return { domain: [Math.floor(min), Math.max(Math.ceil(max), Math.floor(min) + 1)], ticks: [Math.floor(min), Math.max(Math.ceil(max), Math.floor(min) + 1)] };
}

/** Ticks of a log axis over [min, max] (both > 0): the powers of ten, and 2 and 5 between them when they are few. */
export function logTicks(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  if (!(min > 0) || !(max > 0)) return niceLinear(min, max);
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  const decades = Math.max(1, hi - lo);
  const ticks: number[] = [];
  for (let k = lo; k <= Math.max(hi, lo + 1); k++) {
    const base = Number((10 ** k).toPrecision(12));
    ticks.push(base);
    if (decades <= 2 && k < Math.max(hi, lo + 1)) ticks.push(Number((2 * base).toPrecision(12)), Number((5 * base).toPrecision(12)));
  }
  return { domain: [ticks[0]!, ticks.at(-1)!], ticks };
}

/** A tick's label: round numbers as they are, very small or large ones as 1e-4 rather than 0.0001 or 1.00e-4. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return Number(value.toPrecision(3)).toExponential();
  return String(Number(value.toPrecision(6)));
}
