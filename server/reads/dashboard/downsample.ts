// Downsampling a curve to a fixed point budget, so a chart of 64 members × thousands of steps
// ships a few hundred points per member and still shows every spike: each bucket keeps its
// lowest and highest point, and the first and last points are always kept.

import type { CurvePoint } from "../../domain/overview";

export type { CurvePoint };

/** Points sorted by step; returns at most `budget` of them (budget >= 4), in step order. */
export function downsample<P extends CurvePoint>(points: P[], budget: number): P[] {
  if (points.length <= budget) return points;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const inner = points.slice(1, -1);
  const buckets = Math.max(1, Math.floor((budget - 2) / 2));
  const kept: P[] = [first];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * inner.length) / buckets);
    const end = Math.floor(((b + 1) * inner.length) / buckets);
    if (end <= start) continue;
    let min = start;
    let max = start;
    for (let i = start + 1; i < end; i++) {
      if (inner[i]!.value < inner[min]!.value) min = i;
      if (inner[i]!.value > inner[max]!.value) max = i;
    }
    // In step order, so the line is drawn through both extremes of the bucket.
    if (min === max) kept.push(inner[min]!);
    else if (min < max) kept.push(inner[min]!, inner[max]!);
    else kept.push(inner[max]!, inner[min]!);
  }
  kept.push(last);
  return kept;
}
