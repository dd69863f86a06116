"use client";
// Parallel coordinates: one vertical axis per hyperparameter that varies and one for the score, one
// line per finished job through its values, coloured by its score's rank. Dragging along an axis
// brushes a range of it; the jobs inside every brush are the selection (the others fade), and a
// click on an axis without dragging clears its brush. Drawn as SVG: up to MAX_ANALYSIS_JOBS lines.
import { memo, useMemo, useRef, useState, type PointerEvent } from "react";
import type { AnalysisJob } from "@/server/domain/analysis";
import { scoreColor, scoreScale } from "../charts/colors";
import { formatValue } from "../format";
import { position, valueAt, valueOf, type Axis, type Brushes } from "./axes";
import { formatTick } from "./ticks";
import { useWidth } from "../charts/use-width";

const HEIGHT = 380;
const TOP = 44;
const BOTTOM = 24;
const SIDE = 64;
const PLOT = HEIGHT - TOP - BOTTOM;

const yOf = (t: number) => TOP + (1 - t) * PLOT;
const axisX = (i: number, count: number, width: number) => (count === 1 ? width / 2 : SIDE + (i * (width - 2 * SIDE)) / (count - 1));
const tOf = (y: number) => Math.min(1, Math.max(0, 1 - (y - TOP) / PLOT));

export function ParallelCoordinates({
  axes,
  jobs,
  objective,
  brushes,
  onBrush,
  selected,
}: {
  axes: Axis[];
  jobs: AnalysisJob[];
  objective: "maximize" | "minimize";
  brushes: Brushes;
  onBrush(key: string, range: [number, number] | null): void;
  selected: Set<number>;
}) {
  const [box, width] = useWidth<HTMLDivElement>();
  const xOf = (i: number) => axisX(i, axes.length, width);
  const scale = useMemo(
    () =>
      scoreScale(
        jobs.map((j) => j.score),
        objective,
      ),
    [jobs, objective],
  );
  const anyBrush = Object.keys(brushes).length > 0;
  return (
    <div ref={box} className="w-full" data-testid="parallel-coordinates" data-jobs={jobs.length} data-selected={selected.size}>
      {width > 0 && (
        <svg
          width={width}
          height={HEIGHT}
          className="block select-none"
          role="group"
          aria-label={`Parallel coordinates of ${jobs.length} jobs over ${axes.length} axes`}
        >
          <Lines axes={axes} jobs={jobs} width={width} color={(j) => scoreColor(scale(j.score))} selected={anyBrush ? selected : null} />
          {axes.map((axis, i) => (
            <AxisView
              key={axis.key}
              axis={axis}
              x={xOf(i)}
              // The last axis' labels go to its right, where no line runs.
              labelsRight={i === axes.length - 1 && axes.length > 1}
              brush={brushes[axis.key]}
              onBrush={(range) => onBrush(axis.key, range)}
            />
          ))}
        </svg>
      )}
    </div>
  );
}

/** The jobs' lines; memoised apart from the axes, so a brush drag redraws only their colours. */
const Lines = memo(function Lines({
  axes,
  jobs,
  width,
  color,
  selected,
}: {
  axes: Axis[];
  jobs: AnalysisJob[];
  width: number;
  color(job: AnalysisJob): string;
  selected: Set<number> | null;
}) {
  const paths = useMemo(
    () =>
      jobs.map((job) => {
        let d = "";
        let pen = false;
        axes.forEach((axis, i) => {
          const t = position(axis, valueOf(job, axis.key));
          if (t === null) {
            pen = false; // no value on this axis: the line breaks here
            return;
          }
          d += `${pen ? "L" : "M"}${axisX(i, axes.length, width).toFixed(1)} ${yOf(t).toFixed(1)}`;
          pen = true;
        });
        return { job, d };
      }),
    [axes, jobs, width],
  );
  const many = jobs.length > 300;
  // Selected lines last, so they are drawn on top of the faded ones.
  const ordered = selected ? [...paths.filter((p) => !selected.has(p.job.id)), ...paths.filter((p) => selected.has(p.job.id))] : paths;
  return (
    <g fill="none">
      {ordered.map(({ job, d }) => {
        const inside = !selected || selected.has(job.id);
        return (
          <path
            key={job.id}
            d={d}
            data-job={job.id}
            data-selected={inside ? "" : undefined}
            stroke={inside ? color(job) : "var(--chart-edge)"}
            strokeOpacity={inside ? (many ? 0.55 : 0.85) : 0.25}
            strokeWidth={inside && selected ? 1.75 : 1.25}
          >
            <title>{`Job #${job.id}: member ${job.member}, generation ${job.generation}, score ${formatValue(job.score)}`}</title>
          </path>
        );
      })}
    </g>
  );
});

function AxisView({
  axis,
  x,
  labelsRight,
  brush,
  onBrush,
}: {
  axis: Axis;
  x: number;
  labelsRight: boolean;
  brush: [number, number] | undefined;
  onBrush(range: [number, number] | null): void;
}) {
  const start = useRef<number | null>(null);
  const [dragging, setDragging] = useState<[number, number] | null>(null);
  const shown = dragging ?? brush;
  const yIn = (e: PointerEvent<SVGRectElement>) => e.clientY - (e.currentTarget.ownerSVGElement?.getBoundingClientRect().top ?? 0);
  const numeric = axis.kind === "numeric";
  const range = shown && numeric ? [valueAt(axis, shown[0]), valueAt(axis, shown[1])] : null;
  return (
    <g data-axis={axis.key} data-brush-min={range?.[0]} data-brush-max={range?.[1]}>
      <line x1={x} x2={x} y1={TOP} y2={TOP + PLOT} stroke="var(--chart-text)" strokeOpacity={0.6} />
      <text x={x} y={TOP - 26} textAnchor="middle" className="fill-zinc-900 text-[12px] font-medium dark:fill-zinc-100">
        {axis.title}
      </text>
      {axis.ticks.map((tick) => (
        <g key={String(tick.value)}>
          <line x1={labelsRight ? x : x - 4} x2={labelsRight ? x + 4 : x} y1={yOf(tick.t)} y2={yOf(tick.t)} stroke="var(--chart-text)" />
          <text
            x={labelsRight ? x + 7 : x - 7}
            y={yOf(tick.t) + 4}
            textAnchor={labelsRight ? "start" : "end"}
            className="fill-[var(--chart-text)] text-[11px] tabular-nums"
            // A halo wide enough to fill between the glyphs: the lines converge at the ticks.
            paintOrder="stroke"
            stroke="var(--chart-surface)"
            strokeWidth={6}
            strokeLinejoin="round"
          >
            {typeof tick.value === "number" ? formatTick(tick.value) : tick.value}
          </text>
        </g>
      ))}
      {shown && (
        <rect
          x={x - 8}
          width={16}
          y={yOf(shown[1])}
          height={Math.max(2, yOf(shown[0]) - yOf(shown[1]))}
          className="fill-emerald-500/25 stroke-emerald-700 dark:fill-emerald-400/25 dark:stroke-emerald-300"
          data-brush
        />
      )}
      {range && (
        <text x={x} y={TOP - 10} textAnchor="middle" className="fill-emerald-800 text-[10px] tabular-nums dark:fill-emerald-300">
          {formatValue(range[0])} – {formatValue(range[1])}
        </text>
      )}
      <rect
        x={x - 14}
        width={28}
        y={TOP - 4}
        height={PLOT + 8}
        fill="transparent"
        className="cursor-ns-resize"
        aria-label={`Brush ${axis.title}: drag along the axis to select a range; click to clear`}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          start.current = yIn(e);
          setDragging(null);
        }}
        onPointerMove={(e) => {
          if (start.current === null) return;
          const a = tOf(start.current);
          const b = tOf(yIn(e));
          setDragging([Math.min(a, b), Math.max(a, b)]);
        }}
        onPointerUp={(e) => {
          if (start.current === null) return;
          const moved = Math.abs(yIn(e) - start.current) > 3;
          const a = tOf(start.current);
          const b = tOf(yIn(e));
          start.current = null;
          setDragging(null);
          onBrush(moved ? [Math.min(a, b), Math.max(a, b)] : null);
        }}
      />
    </g>
  );
}
