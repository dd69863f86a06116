"use client";
// Score curves: any reported metric of every member against the training step (continuing across
// copies), the generation or the wall time. Drag across the plot to zoom in, double-click to zoom
// out; the y axis fits what is in view (or the best k members); log scale and smoothing. Hovering
// lists every member's value at that x; an exploit mark says who was copied and what explore
// changed. Click a curve (or Enter on the keyboard's pick) to trace that job's lineage.
import { memo, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useWidth } from "../charts/use-width";
import { memberColor } from "../charts/colors";
import { makeScale, type AxisSpec } from "../charts/plot";
import { niceDomain } from "../charts/ticks";
import { useChartTheme } from "../charts/use-chart-theme";
import { formatValue } from "../format";
import { buildLines, higherIsBetter, lastPointOfJobs, logDomain, rankMembers, tracePaths, valuesAt, xExtent, yExtent, type ValueAt } from "./curves-model";
import { drawCurves, drawCurveTrace } from "./curves-draw";
import { prepareCanvas } from "./tree-draw";
import { MemberLegend } from "./member-legend";
import { SectionHeader } from "./section-header";
import type { Trace } from "./trace";
import type { Curves } from "./types";
import { input, toggle } from "./ui";
import { CURVE_X, type PanelProps } from "./view-state";

const HEIGHT = 380;
const MARGIN = { left: 68, right: 16, top: 12, bottom: 46 };
const TOP_CHOICES = [3, 5, 10, 25];

/** The time axis' unit: seconds, minutes or hours, whichever keeps its numbers small. */
function timeUnit(maxSeconds: number): { factor: number; name: string } {
  if (maxSeconds > 3 * 3600) return { factor: 3600, name: "hours" };
  if (maxSeconds > 180) return { factor: 60, name: "minutes" };
  return { factor: 1, name: "seconds" };
}

const X_TITLE = {
  step: "training step (a copy continues from its donor's step)",
  generation: "generation (lineage depth)",
  time: "time since the experiment was created",
};

export const ScoreCurves = memo(function ScoreCurves({
  overview,
  curves,
  loading,
  error,
  view,
  setView,
  trace,
  onTrace,
  parentOf,
}: PanelProps & {
  curves: Curves | undefined;
  loading: boolean;
  error: string | null;
  trace: Trace | null;
  onTrace(jobId: number): void;
  parentOf(jobId: number): number | null;
}) {
  const id = useId();
  const config = overview.experiment.config;
  const members = overview.members.map((m) => m.member);
  const metrics = curves?.metrics ?? [config.metric];
  const metric = view.metric ?? curves?.metric ?? config.metric;
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  // Another metric or axis: the zoom no longer means anything.
  useEffect(() => setZoom(null), [metric, view.x]);
  return (
    <div className="space-y-3">
      <SectionHeader id="curves-heading" title="Score curves">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
          <label className="flex items-center gap-2 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
            Metric
            <select id={`${id}-metric`} className={`${input} w-auto`} value={metric} onChange={(e) => setView({ metric: e.target.value })}>
              {[...new Set([...metrics, metric])].map((m) => (
                <option key={m} value={m}>
                  {m}
                  {m === config.metric ? " (the experiment's metric)" : ""}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-2 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
            x
            <select
              aria-label="x axis"
              className={`${input} w-auto`}
              value={view.x}
              onChange={(e) => setView({ x: e.target.value as (typeof CURVE_X)[number] })}
            >
              <option value="step">training step</option>
              <option value="generation">generation</option>
              <option value="time">wall time</option>
            </select>
          </label>
          <label className="flex items-center gap-2 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
            Fit y to
            <select
              aria-label="Fit y to"
              className={`${input} w-auto`}
              value={view.top ?? ""}
              onChange={(e) => setView({ top: e.target.value ? Number(e.target.value) : null })}
            >
              <option value="">all members</option>
              {TOP_CHOICES.filter((k) => k < members.length).map((k) => (
                <option key={k} value={k}>
                  the best {k}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className={toggle} aria-pressed={view.log} onClick={() => setView({ log: !view.log })}>
            Log scale
          </button>
          <label className="flex items-center gap-2 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
            Smoothing
            <input
              type="range"
              min={0}
              max={0.95}
              step={0.05}
              value={view.smooth}
              onChange={(e) => setView({ smooth: Number(e.target.value) })}
              className="w-24 accent-emerald-600"
              aria-valuetext={view.smooth > 0 ? `${view.smooth}` : "none"}
            />
            <span className="w-8 tabular-nums">{view.smooth > 0 ? view.smooth.toFixed(2) : "off"}</span>
          </label>
          {zoom && (
            <button type="button" className={toggle} onClick={() => setZoom(null)}>
              Reset zoom
            </button>
          )}
        </div>
      </SectionHeader>
      <MemberLegend members={members} selected={view.members} onChange={(m) => setView({ members: m })} />
      <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="score-curves">
        {error ? (
          <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
            Could not load the curves: {error}
          </p>
        ) : !curves || curves.series.length === 0 ? (
          <div className="flex items-center justify-center text-sm text-zinc-500 dark:text-zinc-400" style={{ height: HEIGHT }}>
            {loading || !curves ? (
              <span className="h-full w-full animate-pulse rounded bg-zinc-100 dark:bg-zinc-900" aria-label="Loading curves…" role="status" />
            ) : (
              "No points yet: curves appear as workers report metrics."
            )}
          </div>
        ) : (
          <CurvesCanvas
            curves={curves}
            config={config}
            smoothing={view.smooth}
            log={view.log}
            top={view.top}
            selected={view.members}
            zoom={zoom}
            setZoom={setZoom}
            trace={trace}
            onTrace={onTrace}
            parentOf={parentOf}
          />
        )}
        <figcaption className="flex flex-wrap gap-x-4 gap-y-1 px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
          <span className="inline-flex items-center gap-1">
            <svg aria-hidden width="18" height="6">
              <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-trace)" strokeWidth="2.5" />
            </svg>
            traced lineage
          </span>
          <span className="inline-flex items-center gap-1">
            <svg aria-hidden width="10" height="10">
              <path d="M5 1 L9 9 L1 9 Z" fill="var(--chart-exploit)" />
            </svg>
            exploit (the copy starts from its donor&apos;s curve, dashed)
          </span>
          <span>Drag to zoom, double-click to zoom out; click a curve to trace its lineage.</span>
          {curves && (
            <span data-testid="curve-points">
              {curves.series.reduce((n, s) => n + s.points.length, 0).toLocaleString("en")} of {curves.totalPoints.toLocaleString("en")} points drawn
            </span>
          )}
        </figcaption>
      </figure>
    </div>
  );
});

interface Hover {
  px: number;
  x: number;
  values: ValueAt[];
  exploit: Curves["exploits"][number] | null;
  pick: number;
}

const CurvesCanvas = memo(function CurvesCanvas({
  curves,
  config,
  smoothing,
  log,
  top,
  selected,
  zoom,
  setZoom,
  trace,
  onTrace,
  parentOf,
}: {
  curves: Curves;
  config: { metric: string; objective: "maximize" | "minimize" };
  smoothing: number;
  log: boolean;
  top: number | null;
  selected: number[];
  zoom: [number, number] | null;
  setZoom(zoom: [number, number] | null): void;
  trace: Trace | null;
  onTrace(jobId: number): void;
  parentOf(jobId: number): number | null;
}) {
  const theme = useChartTheme();
  const [wrapper, width] = useWidth<HTMLDivElement>();
  const base = useRef<HTMLCanvasElement>(null);
  const traceLayer = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);

  const maxX = useMemo(() => Math.max(0, ...curves.series.map((s) => s.points.at(-1)?.step ?? 0)), [curves]);
  const unit = curves.x === "time" ? timeUnit(maxX) : { factor: 1, name: "" };
  const lines = useMemo(() => buildLines(curves, smoothing, unit.factor), [curves, smoothing, unit.factor]);
  const higher = higherIsBetter(curves.metric, config);
  const lastOfJob = useMemo(() => lastPointOfJobs(lines), [lines]);
  const paths = useMemo(() => (trace ? tracePaths(lines, trace.jobs, parentOf) : []), [lines, trace, parentOf]);
  const canLog = useMemo(() => lines.some((l) => l.ys.some((y) => y > 0)), [lines]);
  const useLog = log && canLog;

  const area = { left: MARGIN.left, top: MARGIN.top, width: Math.max(10, width - MARGIN.left - MARGIN.right), height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const full = xExtent(lines) ?? [0, 1];
  const xDomain: [number, number] = zoom ?? (full[0] === full[1] ? [full[0] - 1, full[1] + 1] : full);
  // y fitted to what is in view: the chosen best k, else every member, and always the trace.
  const focus = top ? new Set(rankMembers(lines, higher).slice(0, top)) : null;
  let yRange = yExtent(lines, xDomain, focus, useLog) ?? yExtent(lines, xDomain, null, useLog) ?? [0, 1];
  for (const path of paths)
    for (const pt of path.points)
      if (pt.x >= xDomain[0] && pt.x <= xDomain[1] && (!useLog || pt.y > 0)) yRange = [Math.min(yRange[0], pt.y), Math.max(yRange[1], pt.y)];
  const yDomain = useLog ? logDomain(yRange) : niceDomain(yRange[0], yRange[1]);
  const x = makeScale(xDomain, [area.left, area.left + area.width]);
  const y = makeScale(yDomain, [area.top + area.height, area.top], useLog);
  const xAxis: AxisSpec = {
    title: curves.x === "time" ? `${X_TITLE.time} (${unit.name})` : X_TITLE[curves.x],
    integer: curves.x !== "time",
    count: Math.max(3, Math.floor(area.width / 90)),
  };
  const yAxis: AxisSpec = { title: `${curves.metric}${useLog ? " (log scale)" : ""}${smoothing > 0 ? `, smoothed ${smoothing}` : ""}`, count: 6 };
  const chosen = useMemo(() => new Set(selected), [selected]);

  useLayoutEffect(() => {
    const canvas = base.current;
    if (!canvas || width === 0) return;
    const ctx = prepareCanvas(canvas, width, HEIGHT);
    drawCurves(ctx, { area, x, y, xAxis, yAxis, theme, lines, selected: chosen, exploits: curves.exploits, lastOfJob, xUnit: unit.factor });
    // The scales are rebuilt each render from these inputs.
  }, [width, theme, lines, chosen, curves, lastOfJob, xDomain[0], xDomain[1], yDomain[0], yDomain[1], useLog, smoothing]);

  // The trace on its own canvas: tracing another job redraws its lineage, not every member's line
  // (unless the y axis has to grow to show it). Runs after the lines' draw in the same commit, so
  // the canvas then says what the two layers show.
  useLayoutEffect(() => {
    const canvas = traceLayer.current;
    if (!canvas || width === 0) return;
    drawCurveTrace(prepareCanvas(canvas, width, HEIGHT), { area, x, y, theme, exploits: curves.exploits, xUnit: unit.factor, trace: paths });
    const drawn = base.current!;
    (drawn as HTMLCanvasElement & { lineageCurves?: unknown }).lineageCurves = { trace: paths, tracedJob: trace?.jobId ?? null, lines: lines.length };
    drawn.dispatchEvent(new CustomEvent("lineage-curves-drawn"));
  }, [width, theme, lines, chosen, curves, paths, trace, xDomain[0], xDomain[1], yDomain[0], yDomain[1], useLog, smoothing]);

  const [hover, setHover] = useState<Hover | null>(null);
  const [brush, setBrush] = useState<{ from: number; to: number } | null>(null);
  useLayoutEffect(() => {
    const canvas = overlay.current;
    if (!canvas || width === 0) return;
    const ctx = prepareCanvas(canvas, width, HEIGHT);
    if (brush) {
      ctx.fillStyle = theme.trace;
      ctx.globalAlpha = 0.1;
      ctx.fillRect(Math.min(brush.from, brush.to), area.top, Math.abs(brush.to - brush.from), area.height);
      ctx.globalAlpha = 1;
    }
    if (!hover) return;
    ctx.strokeStyle = theme.text;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(hover.px, area.top);
    ctx.lineTo(hover.px, area.top + area.height);
    ctx.stroke();
    ctx.setLineDash([]);
    hover.values.slice(0, 40).forEach((v, i) => {
      ctx.beginPath();
      ctx.arc(x(v.x), y(v.value), i === hover.pick ? 5 : 3, 0, Math.PI * 2);
      ctx.fillStyle = theme.members[v.member % theme.members.length]!;
      ctx.fill();
      ctx.strokeStyle = i === hover.pick ? theme.trace : theme.background;
      ctx.lineWidth = i === hover.pick ? 2 : 1;
      ctx.stroke();
    });
  }, [hover, brush, width, theme, xDomain[0], xDomain[1], yDomain[0], yDomain[1], useLog]);

  const hoverAt = (px: number, py: number | null, pick?: number): Hover => {
    const at = x.invert(Math.min(area.left + area.width, Math.max(area.left, px)));
    const values = valuesAt(lines, at, higher);
    let exploit: Hover["exploit"] = null;
    if (py !== null) {
      for (const e of curves.exploits) if (Math.hypot(x(e.step / unit.factor) - px, y(e.value) - py) < 7) exploit = e;
    }
    // The member nearest the pointer is the one a click traces.
    let best = 0;
    if (pick !== undefined) best = Math.max(0, Math.min(values.length - 1, pick));
    else if (py !== null) {
      let d = Infinity;
      values.forEach((v, i) => {
        const dd = Math.abs(y(v.value) - py);
        if (dd < d) {
          d = dd;
          best = i;
        }
      });
    }
    return { px: x(at), x: at, values, exploit, pick: best };
  };
  const local = (e: React.MouseEvent) => {
    const box = e.currentTarget.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top] as const;
  };
  const drag = useRef<number | null>(null);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const step = (xDomain[1] - xDomain[0]) / 60;
    const current = hover ?? hoverAt(x(xDomain[0]), null, 0);
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      const to = x(Math.min(xDomain[1], Math.max(xDomain[0], current.x + (e.key === "ArrowLeft" ? -step : step))));
      setHover(hoverAt(to, null, current.pick));
    } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      setHover(hoverAt(current.px, null, current.pick + (e.key === "ArrowUp" ? -1 : 1)));
    } else if (e.key === "Enter" && hover) {
      const v = hover.values[hover.pick];
      if (v) onTrace(v.jobId);
    } else if (e.key === "Escape") setZoom(null);
  };

  return (
    <div
      ref={wrapper}
      className="relative rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600"
      style={{ height: HEIGHT }}
      tabIndex={0}
      role="group"
      aria-label={`${curves.metric} curves of ${lines.length} members: left and right arrows move along x, up and down pick a member, Enter traces its lineage, Escape zooms out`}
      onKeyDown={onKeyDown}
      onBlur={() => setHover(null)}
    >
      <canvas ref={base} className="absolute inset-0" aria-hidden data-testid="curves-canvas" />
      <canvas ref={traceLayer} className="absolute inset-0" aria-hidden />
      <canvas
        ref={overlay}
        data-testid="curves-overlay"
        className="absolute inset-0 cursor-crosshair"
        aria-hidden
        onMouseDown={(e) => {
          const [px] = local(e);
          drag.current = px;
        }}
        onMouseMove={(e) => {
          const [px, py] = local(e);
          if (drag.current !== null && Math.abs(px - drag.current) > 3) setBrush({ from: drag.current, to: px });
          setHover(hoverAt(px, py));
        }}
        onMouseUp={(e) => {
          const [px, py] = local(e);
          const from = drag.current;
          drag.current = null;
          setBrush(null);
          if (from !== null && Math.abs(px - from) > 4) {
            const a = x.invert(Math.max(area.left, Math.min(from, px)));
            const b = x.invert(Math.min(area.left + area.width, Math.max(from, px)));
            if (b > a) setZoom([a, b]);
            return;
          }
          const h = hoverAt(px, py);
          const target = h.exploit?.jobId ?? h.values[h.pick]?.jobId;
          if (target !== undefined && target >= 0) onTrace(target);
        }}
        onMouseLeave={() => {
          drag.current = null;
          setBrush(null);
          setHover(null);
        }}
        onDoubleClick={() => setZoom(null)}
      />
      {hover && <HoverCard hover={hover} metric={curves.metric} xTitle={curves.x === "time" ? unit.name : curves.x} width={width} />}
      <p className="sr-only" aria-live="polite">
        {hover
          ? `${curves.x} ${formatValue(hover.x)}: ${hover.values
              .slice(0, 3)
              .map((v) => `member ${v.member} ${formatValue(v.value)}`)
              .join(", ")}`
          : ""}
      </p>
    </div>
  );
});

const SHOWN = 12;

function HoverCard({ hover, metric, xTitle, width }: { hover: Hover; metric: string; xTitle: string; width: number }) {
  const left = hover.px + 16 + 240 > width ? Math.max(0, hover.px - 256) : hover.px + 16;
  const e = hover.exploit;
  return (
    <div
      role="tooltip"
      className="pointer-events-none absolute top-2 z-10 w-60 rounded-md border border-zinc-200 bg-white p-2 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      style={{ left }}
      data-testid="curves-hover"
    >
      {e ? (
        <>
          <p className="font-semibold">
            Exploit: member {e.member} copied {e.donorMember === null ? "a donor" : `member ${e.donorMember}`}
          </p>
          <p>
            job #{e.jobId} from job #{e.donorJobId ?? "?"} at generation {e.generation - 1}
            {e.reason ? ` (${e.reason})` : ""}
          </p>
          {e.mutations.length === 0 ? (
            <p className="text-zinc-500 dark:text-zinc-400">explore changed nothing</p>
          ) : (
            <ul className="mt-1 font-mono">
              {e.mutations.map((m) => (
                <li key={m.parameter}>
                  {m.parameter}: {formatValue(m.old)} → {formatValue(m.new)} <span className="text-zinc-500 dark:text-zinc-400">({m.operation})</span>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <>
          <p className="mb-1 font-semibold">
            {xTitle} {formatValue(Number(hover.x.toPrecision(6)))} · {metric}
          </p>
          <ul className="space-y-0.5 tabular-nums">
            {hover.values.slice(0, SHOWN).map((v, i) => (
              <li key={v.member} className={`flex items-center gap-1.5 ${i === hover.pick ? "font-semibold" : ""}`}>
                <span aria-hidden className="inline-block size-2 rounded-full" style={{ background: memberColor(v.member) }} />
                <span className="w-16">member {v.member}</span>
                <span className="ml-auto">{formatValue(v.value)}</span>
              </li>
            ))}
          </ul>
          {hover.values.length > SHOWN && <p className="mt-1 text-zinc-500 dark:text-zinc-400">and {hover.values.length - SHOWN} more members</p>}
          {hover.values.length === 0 && <p className="text-zinc-500 dark:text-zinc-400">no member at this x</p>}
        </>
      )}
    </div>
  );
}
