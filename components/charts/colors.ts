// Colours of members and scores for the DOM (legends, table swatches): CSS custom properties
// written from theme.ts, so they follow the colour scheme. Canvases resolve the same properties
// (use-chart-theme.ts).
import { MEMBER_COLOURS, THEMES } from "./theme";

/** A member's colour as CSS: one of eight hues; members past the eighth differ by dash (memberDash). */
export function memberColor(member: number): string {
  return `var(--member-${member % MEMBER_COLOURS})`;
}

/** Canvas dash pattern of a member's line: solid for the first eight, then dashed, then dotted. */
export function memberDash(member: number): number[] {
  const round = Math.floor(member / MEMBER_COLOURS) % 3;
  return round === 0 ? [] : round === 1 ? [6, 3] : [2, 2];
}

const STOPS = THEMES.light.score.length;

/** A score's colour as CSS, `t` in [0, 1] with 1 the best (mixed between the scheme's stops). */
export function scoreColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (STOPS - 1);
  const i = Math.min(STOPS - 2, Math.floor(x));
  const f = Math.round((x - i) * 100);
  return `color-mix(in srgb, var(--score-${i}) ${100 - f}%, var(--score-${i + 1}))`;
}

/** The score scale as a CSS gradient, worst on the left. */
export const SCORE_GRADIENT = `linear-gradient(to right, ${Array.from({ length: STOPS }, (_, i) => `var(--score-${i})`).join(", ")})`;
/** @deprecated the scale is no longer all of viridis; use SCORE_GRADIENT. */
export const VIRIDIS_GRADIENT = SCORE_GRADIENT;

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
