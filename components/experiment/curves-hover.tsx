"use client";
// Hovering the score curves: the point nearest the pointer (of the members in view), its member,
// step and value. Rendered inside the chart with recharts' scale hooks; only this layer redraws.
import { useState } from "react";
import { DefaultZIndexes, usePlotArea, useXAxisInverseScale, useXAxisScale, useYAxisScale, ZIndexLayer } from "recharts";
import { memberColor } from "../charts/colors";
import { formatValue } from "../format";
import type { Curves } from "./types";

interface Hit {
  member: number;
  step: number;
  value: number;
  x: number;
  y: number;
}

/** Index of the point whose step is closest to `step` (points sorted by step). */
function nearestIndex(points: { step: number }[], step: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.step - step) <= Math.abs(points[lo]!.step - step)) return lo - 1;
  return lo;
}

export function CurvesHover({ curves, xLabel }: { curves: Curves; xLabel: string }) {
  const plot = usePlotArea();
  const xScale = useXAxisScale();
  const yScale = useYAxisScale();
  const xInverse = useXAxisInverseScale();
  const [hit, setHit] = useState<Hit | null>(null);
  if (!plot || !xScale || !yScale || !xInverse) return null;

  const onMove = (event: React.MouseEvent<SVGRectElement>) => {
    const svg = event.currentTarget.ownerSVGElement;
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    const step = Number(xInverse(px));
    // Members faded out by a selection are skipped: hover what is visible.
    const selected = new Set(
      [...svg.closest("[data-selection]")?.querySelectorAll("[aria-pressed=true][data-legend-member]") ?? []].map((el) => Number(el.getAttribute("data-legend-member"))),
    );
    let best: Hit | null = null;
    let bestDistance = Infinity;
    for (const series of curves.series) {
      if (selected.size > 0 && !selected.has(series.member)) continue;
      if (series.points.length === 0) continue;
      const point = series.points[nearestIndex(series.points, step)]!;
      const x = Number(xScale(point.step));
      const y = Number(yScale(point.value));
      const distance = Math.hypot(x - px, y - py);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = { member: series.member, step: point.step, value: point.value, x, y };
      }
    }
    setHit(best && bestDistance < 40 ? best : null);
  };

  const label = hit ? `member ${hit.member} · ${xLabel} ${hit.step} · ${curves.metric} ${formatValue(hit.value)}` : "";
  const width = label.length * 6.6 + 16;
  const boxX = hit ? Math.min(hit.x + 10, plot.x + plot.width - width) : 0;
  const boxY = hit ? Math.max(plot.y, hit.y - 30) : 0;
  // Above the lines and the exploit marks, so the pointer reaches it and the label is not covered.
  return (
    <ZIndexLayer zIndex={DefaultZIndexes.label + 100}>
      <rect x={plot.x} y={plot.y} width={plot.width} height={plot.height} fill="transparent" onMouseMove={onMove} onMouseLeave={() => setHit(null)} />
      {hit && (
        <g pointerEvents="none">
          <circle cx={hit.x} cy={hit.y} r={4.5} fill={memberColor(hit.member)} stroke="var(--chart-surface)" strokeWidth={1.5} />
          <rect x={boxX} y={boxY} width={width} height={22} rx={4} fill="var(--chart-surface)" stroke="var(--chart-grid)" />
          <text x={boxX + 8} y={boxY + 15} fontSize={11.5} fill="var(--chart-text)" className="font-mono">
            {label}
          </text>
        </g>
      )}
    </ZIndexLayer>
  );
}
