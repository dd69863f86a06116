// Axis ticks that read at a glance: round values (1, 2 or 5 × 10^k), whole numbers where the
// quantity is whole (generations, steps), powers of ten on a log axis; labels with just the
// digits the step needs.

/** The round step (1, 2 or 5 × 10^k) that gives about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const rough = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5, 10]) if (m * power >= rough * 0.999) return m * power;
  return 10 * power;
}

/** Round ticks inside [lo, hi]; `integer`: whole numbers only (a step of at least 1). */
export function linearTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi >= lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return integer && !Number.isInteger(lo) ? [] : [lo];
  let step = niceStep(hi - lo, count);
  if (integer) step = Math.max(1, Math.round(step) === step ? step : Math.ceil(step));
  const decimals = decimalsOf(step);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Number(v.toFixed(decimals)));
    if (ticks.length > 1000) break;
  }
  return ticks;
}

/** Powers of ten inside [lo, hi] (both > 0), with 2 and 5 between them when there are few. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const from = Math.floor(Math.log10(lo));
  const to = Math.ceil(Math.log10(hi));
  const multiples = to - from <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = from; k <= to; k++) {
    for (const m of multiples) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/** [lo, hi] widened to the round step that ticks it (so the ends are ticks). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  const d = decimalsOf(step);
  return [Number((Math.floor(lo / step + 1e-9) * step).toFixed(d)), Number((Math.ceil(hi / step - 1e-9) * step).toFixed(d))];
}

/** Decimal digits a tick step needs (0.25 → 2, 5 → 0). */
export function decimalsOf(step: number): number {
  if (!(step > 0)) return 0;
  let d = 0;
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9 * 10 ** d) d++;
  return d;
}

/** A tick's label: the step's digits, thousands as k/M, very small or large values in exponent form. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e9) return value.toExponential(Math.max(0, Math.min(3, decimalsOf(step / 10 ** Math.floor(Math.log10(abs))))));
  if (abs >= 1e6 && step >= 1e5) return `${Number((value / 1e6).toFixed(decimalsOf(step / 1e6)))}M`;
  if (abs >= 1e4 && step >= 1e3) return `${Number((value / 1e3).toFixed(decimalsOf(step / 1e3)))}k`;
  return value.toFixed(decimalsOf(step));
}

/** A log axis' tick label: 1e-4, 0.001 … 1000, 1e4. */
export function formatLogTick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e4)) return value.toExponential(0).replace("e+", "e");
  return String(Number(value.toPrecision(6)));
}
