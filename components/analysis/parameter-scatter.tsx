"use client";
// One hyperparameter against the score, a dot per finished job coloured by its generation (early
// dark, late bright), on a log axis for a loguniform parameter; a choice parameter's levels are
// columns, the dots spread a little across each so they do not hide one another.
import { memo } from "react";
import { CartesianGrid, Scatter, ScatterChart, XAxis, YAxis } from "recharts";
import type { AnalysisJob } from "@/server/domain/analysis";
import { axisStyle, gridStyle, xAxisTitle, yAxisTitle } from "../charts/axis";
import { scoreColor, VIRIDIS_GRADIENT } from "../charts/colors";
import { formatTick, integerTicks } from "./ticks";
import type { Axis } from "./axes";

interface Dot {
  id: number;
  x: number;
  score: number;
  generation: number;
  inside: boolean;
}

/** A spread in [-0.2, 0.2] that is the same for a job every time (no jitter on redraws). */
const spread = (id: number) => ((((id * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * 0.4;

export const ParameterScatter = memo(function ParameterScatter({
  axis,
  scoreAxis,
  jobs,
  selected,
  generations,
}: {
  axis: Axis;
  scoreAxis: Axis;
  jobs: AnalysisJob[];
  selected: Set<number> | null;
  generations: { min: number; max: number };
}) {
  const categorical = axis.kind === "categorical";
  const dots: Dot[] = jobs.flatMap((j) => {
    const v = j.values[axis.key];
    const x = categorical ? axis.levels.indexOf(String(v)) + spread(j.id) : typeof v === "number" ? v : NaN;
    if (!Number.isFinite(x) || (categorical && axis.levels.indexOf(String(v)) < 0) || (axis.scale === "log" && !(x > 0))) return [];
    return [{ id: j.id, x, score: j.score, generation: j.generation, inside: !selected || selected.has(j.id) }];
  });
  const span = Math.max(1, generations.max - generations.min);
  const colorOf = (g: number) => scoreColor((g - generations.min) / span);
  const xTicks = categorical ? axis.levels.map((_, i) => i) : axis.ticks.map((t) => t.value as number);
  const xDomain: [number, number] = categorical ? [-0.5, axis.levels.length - 0.5] : axis.domain;
  const legend = integerTicks(generations.min, generations.max, 4).ticks.filter((g) => g >= generations.min && g <= generations.max);
  return (
    <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="scatter" data-parameter={axis.key} data-dots={dots.length}>
      <ScatterChart responsive style={{ width: "100%", height: 340 }} margin={{ top: 8, right: 16, bottom: 28, left: 16 }} accessibilityLayer>
        <CartesianGrid {...gridStyle} />
        <XAxis
          type="number"
          dataKey="x"
          scale={axis.scale === "log" ? "log" : "linear"}
          domain={xDomain}
          ticks={xTicks}
          interval={0}
          allowDataOverflow
          tickFormatter={(v: number) => (categorical ? (axis.levels[Math.round(v)] ?? "") : formatTick(v))}
          label={xAxisTitle(axis.title)}
          {...axisStyle}
        />
        <YAxis
          type="number"
          dataKey="score"
          domain={scoreAxis.domain}
          ticks={scoreAxis.ticks.map((t) => t.value as number)}
          width={64}
          tickFormatter={(v: number) => formatTick(v)}
          label={yAxisTitle(scoreAxis.title)}
          {...axisStyle}
        />
        <Scatter
          data={dots}
          isAnimationActive={false}
          shape={(props: { cx?: number; cy?: number; payload?: Dot }) => {
            const d = props.payload!;
            return (
              <circle
                cx={props.cx}
                cy={props.cy}
                r={d.inside && selected ? 4 : 3}
                fill={d.inside ? colorOf(d.generation) : "var(--chart-edge)"}
                fillOpacity={d.inside ? 0.85 : 0.3}
                stroke="var(--chart-surface)"
                strokeWidth={0.5}
                data-dot={d.id}
              />
            );
          }}
        />
      </ScatterChart>
      <figcaption className="flex flex-wrap items-center gap-x-4 gap-y-1 px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
        <span>
          {scoreAxis.title} against {axis.title}, one dot per finished job
        </span>
        <span className="inline-flex items-center gap-2">
          generation
          <span className="relative inline-block h-2.5 w-32 rounded-sm" style={{ background: VIRIDIS_GRADIENT }} aria-hidden />
          <span className="tabular-nums">{legend.length ? `${generations.min} → ${generations.max}` : generations.min}</span>
        </span>
        {selected && <span>grey: outside the parallel coordinates&apos; selection</span>}
      </figcaption>
    </figure>
  );
});
