"use client";
// The members' lines of a chart (one per member: dozens to hundreds), drawn as one plain SVG path
// each inside a recharts chart, with the chart's own scales. Recharts' <Line> costs several
// milliseconds per line on every redraw of the chart (selectors over all the chart's data, and
// it measures each path's length), which with 64 members blocked the page for hundreds of
// milliseconds per live update; these paths are memoised per member and cost a path string.
// The axes' domains do not come from these points, so the chart passes them (`lineDomain`).
import { memo } from "react";
import { DefaultZIndexes, useXAxisScale, useYAxisScale, ZIndexLayer } from "recharts";
import { memberColor } from "../charts/colors";

type Scale = NonNullable<ReturnType<typeof useXAxisScale>>;

export interface MemberSeries<K extends string> {
  member: number;
  points: ({ value: number } & Record<K, number>)[];
}

/**
 * [min, max] of the points' `key` and of `extra` (what the chart's other marks show), rounded out
 * to round numbers when `nice` (as recharts' "auto" does, so the ticks fall on them); "auto"
 * (recharts decides) when there are none.
 */
export function lineDomain<K extends string>(series: MemberSeries<K>[], key: K | "value", extra: number[] = [], nice = false): [number, number] | ["auto", "auto"] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of extra) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (const s of series) {
    for (const p of s.points) {
      const v = p[key];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return ["auto", "auto"];
  if (!nice || lo === hi) return [lo, hi];
  // A step of 1, 2 or 5 × 10^k, about a quarter of the range.
  const rough = (hi - lo) / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

export function MemberLines<K extends string>({ series, xKey, step = false, opacity }: { series: MemberSeries<K>[]; xKey: K; step?: boolean; opacity: number }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  if (!x || !y) return null;
  // Under recharts' own lines (the best lineage drawn on top of these).
  return (
    <ZIndexLayer zIndex={DefaultZIndexes.line - 1}>
      {series.map((s) => (
        <MemberLine key={s.member} member={s.member} points={s.points} xKey={xKey} x={x} y={y} step={step} opacity={opacity} />
      ))}
    </ZIndexLayer>
  );
}

const MemberLine = memo(function MemberLine({
  member,
  points,
  xKey,
  x,
  y,
  step,
  opacity,
}: {
  member: number;
  points: ({ value: number } & Record<string, number>)[];
  xKey: string;
  x: Scale;
  y: Scale;
  step: boolean;
  opacity: number;
}) {
  if (points.length < 2) return null;
  let d = "";
  for (const p of points) {
    const px = Number(x(p[xKey]));
    const py = Number(y(p.value));
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    // A step line holds the previous value until the next point, then moves to the new one.
    if (d === "") d = `M${px.toFixed(1)} ${py.toFixed(1)}`;
    else d += step ? `H${px.toFixed(1)}V${py.toFixed(1)}` : `L${px.toFixed(1)} ${py.toFixed(1)}`;
  }
  // The classes of recharts' own lines, so the selection styles (selection-style.tsx) and
  // anything that looks for a chart's lines find these as well.
  return (
    <g className={`recharts-layer recharts-line member-line m-${member}`}>
      <path className="recharts-curve recharts-line-curve" d={d} fill="none" stroke={memberColor(member)} strokeOpacity={opacity} strokeWidth={1.25} />
    </g>
  );
});
