// Colours of the charts and the tree, readable on light and dark backgrounds alike.

/** A distinct hue per member (golden-angle steps), mid lightness so both themes read it. */
export function memberColor(member: number): string {
  const hue = (member * 137.508 + 200) % 360;
  return `hsl(${hue.toFixed(1)} 70% 52%)`;
}

// Viridis, sampled: dark purple (worst) to yellow (best). Perceptually even and colour-blind safe.
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** `t` in [0, 1], 1 the best. */
export function scoreColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(VIRIDIS[i]!);
  const b = hexToRgb(VIRIDIS[i + 1]!);
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]} ${c[1]} ${c[2]})`;
}

export const VIRIDIS_GRADIENT = `linear-gradient(to right, ${VIRIDIS.join(", ")})`;

/**
 * Maps scores to [0, 1] with 1 the best for the objective; by rank rather than value, so one
 * outlier does not wash the rest of the population into a single colour.
 */
export function scoreScale(scores: number[], objective: "maximize" | "minimize"): (score: number) => number {
  // A typed array sorts numerically without a comparator: this runs on every live redraw of the tree.
  const all = Float64Array.from(scores.filter(Number.isFinite)).sort();
  const sorted = all.filter((v, i) => i === 0 || v !== all[i - 1]);
  if (sorted.length <= 1) return () => 1;
  return (score) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < score) lo = mid + 1;
      else hi = mid;
    }
    const t = lo / (sorted.length - 1);
    return objective === "maximize" ? t : 1 - t;
  };
}
