"use client";
// Hyperparameter schedules as small multiples, one per hyperparameter (the explored ones first,
// the never-explored ones too: they travel with the weights when a member is copied, and often
// decide the winner). Numeric parameters: each member's value against generation (log axis for
// loguniform), members with a single job drawn as a dot; choice parameters: the population's
// share of each value per generation. The traced lineage's schedule is drawn over them.
import { memo, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useWidth } from "../charts/use-width";
import { memberDash } from "../charts/colors";
import { drawAxes, makeScale, type AxisSpec } from "../charts/plot";
import { niceDomain } from "../charts/ticks";
import type { ChartColours } from "../charts/theme";
import { useChartTheme } from "../charts/use-chart-theme";
import { formatValue } from "../format";
import { choiceShares, lineageSchedule, memberSchedules, scheduleSpecs, type SchedulePoint, type ScheduleSpec } from "./schedules-model";
import { SectionHeader } from "./section-header";
import type { Trace } from "./trace";
import { prepareCanvas } from "./tree-draw";
import type { JobNode, Overview } from "./types";

const HEIGHT = 190;
const MARGIN = { left: 64, right: 12, top: 10, bottom: 40 };

export const HyperparameterSchedules = memo(function HyperparameterSchedules({ overview, trace }: { overview: Overview; trace: Trace | null }) {
  const specs = useMemo(() => scheduleSpecs(overview.experiment.config), [overview.experiment.config]);
  const byId = useMemo(() => new Map(overview.jobs.map((j) => [j.id, j])), [overview.jobs]);
  // The trace's schedule: its ancestors and the traced job (its descendants branch, drawn apart).
  const chain = useMemo(() => (trace ? [...trace.ancestors, trace.jobId] : []), [trace]);
  return (
    <div className="space-y-3">
      <SectionHeader id="schedules-heading" title="Hyperparameter schedules" />
      {specs.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">This experiment has no hyperparameters.</p>
      ) : (
        <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(22rem,1fr))]">
          {specs.map((spec) => (
            <ScheduleChart key={spec.name} spec={spec} jobs={overview.jobs} byId={byId} chain={chain} traced={trace} />
          ))}
        </div>
      )}
    </div>
  );
});

interface Hit {
  px: number;
  py: number;
  text: string;
}

const ScheduleChart = memo(function ScheduleChart({
  spec,
  jobs,
  byId,
  chain,
  traced,
}: {
  spec: ScheduleSpec;
  jobs: JobNode[];
  byId: Map<number, JobNode>;
  chain: number[];
  traced: Trace | null;
}) {
  const theme = useChartTheme();
  const [wrapper, width] = useWidth<HTMLDivElement>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const traceLayer = useRef<HTMLCanvasElement>(null);

  const series = useMemo(() => (spec.categories ? [] : memberSchedules(jobs, spec)), [jobs, spec]);
  const shares = useMemo(() => (spec.categories ? choiceShares(jobs, spec) : null), [jobs, spec]);
  const schedule = useMemo(() => lineageSchedule(chain, byId, spec), [chain, byId, spec]);
  // The descendants' branches, each joined to its parent.
  const branches = useMemo(() => {
    if (!traced) return [];
    return traced.descendants.flatMap((id) => {
      const job = byId.get(id);
      const parent = job?.parentId === null || !job ? undefined : byId.get(job.parentId);
      if (!job || !parent) return [];
      const pts = lineageSchedule([parent.id, id], byId, spec);
      return pts.length === 2 ? [pts] : [];
    });
  }, [traced, byId, spec]);

  let generations = 1;
  let firstGeneration = Infinity;
  for (const j of jobs) {
    generations = Math.max(generations, j.generation + 1);
    firstGeneration = Math.min(firstGeneration, j.generation);
  }
  if (!Number.isFinite(firstGeneration)) firstGeneration = 0;
  const area = { left: MARGIN.left, top: MARGIN.top, width: Math.max(10, width - MARGIN.left - MARGIN.right), height: HEIGHT - MARGIN.top - MARGIN.bottom };
  const xDomain: [number, number] = [firstGeneration - 0.5, Math.max(firstGeneration + 0.5, generations - 0.5)];
  let yDomain: [number, number];
  if (spec.categories) yDomain = [0, 1];
  else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series) {
      for (const p of s.points) {
        lo = Math.min(lo, p.value);
        hi = Math.max(hi, p.value);
      }
    }
    if (spec.bounds) {
      lo = Math.min(lo, spec.bounds[0]);
      hi = Math.max(hi, spec.bounds[1]);
    }
    if (!(lo <= hi)) [lo, hi] = [0, 1];
    yDomain = spec.log ? [lo, hi === lo ? lo * 10 : hi] : niceDomain(lo, hi, 4);
  }
  const x = makeScale(xDomain, [area.left, area.left + area.width]);
  const y = makeScale(yDomain, [area.top + area.height, area.top], spec.log);
  // A choice parameter's key of values sits under the plot, left of the axis title.
  const xAxis: AxisSpec = { title: "generation", integer: true, count: Math.max(2, Math.floor(area.width / 70)), titleAt: spec.categories ? "end" : "center" };
  const yAxis: AxisSpec = spec.categories
    ? { title: "share of the population", format: (v) => `${Math.round(v * 100)}%`, count: 4 }
    : { title: spec.name, integer: spec.kind === "int", count: 4 };

  useLayoutEffect(() => {
    const el = canvas.current;
    if (!el || width === 0) return;
    const ctx = prepareCanvas(el, width, HEIGHT);
    drawAxes(ctx, area, x, y, xAxis, yAxis, theme);
    if (shares) drawShares(ctx, shares, spec.categories!, x, y, area, theme);
    else drawMembers(ctx, series, x, y, theme);
  }, [width, theme, series, shares, xDomain[0], xDomain[1], yDomain[0], yDomain[1]]);

  // The traced lineage on a canvas of its own: a new trace redraws it, not every member's line.
  useLayoutEffect(() => {
    const el = traceLayer.current;
    if (!el || width === 0) return;
    const ctx = prepareCanvas(el, width, HEIGHT);
    if (shares) drawShareRings(ctx, shares, x, y, theme, schedule);
    else drawSchedule(ctx, schedule, branches, x, y, theme);
    (canvas.current as HTMLCanvasElement & { lineageSchedule?: unknown }).lineageSchedule = {
      name: spec.name,
      schedule: schedule.map((p) => ({ jobId: p.jobId, generation: p.generation, value: spec.categories ? JSON.parse(spec.categories[p.value]!) : p.value })),
    };
  }, [width, theme, series, shares, schedule, branches, xDomain[0], xDomain[1], yDomain[0], yDomain[1]]);

  const [hit, setHit] = useState<Hit | null>(null);
  const onMove = (e: React.MouseEvent) => {
    const box = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - box.left;
    const py = e.clientY - box.top;
    const g = Math.round(x.invert(px));
    if (shares) {
      const row = shares.get(g);
      if (!row) return setHit(null);
      const text = `generation ${g}: ${spec.categories!.map((c, i) => `${c.replace(/^"|"$/g, "")} ${Math.round(row[i]! * 100)}%`).join(", ")}`;
      return setHit({ px, py, text });
    }
    let best: { member: number; p: SchedulePoint } | null = null;
    let d = 12;
    for (const s of series) {
      for (const p of s.points) {
        if (p.generation !== g) continue;
        const dd = Math.abs(y(p.value) - py);
        if (dd < d) {
          d = dd;
          best = { member: s.member, p };
        }
      }
    }
    const onTrace = schedule.find((p) => p.generation === g);
    const parts = [
      best ? `member ${best.member}, generation ${g}: ${spec.name} = ${formatValue(best.p.value)} (job #${best.p.jobId})` : null,
      onTrace ? `traced: ${formatValue(onTrace.value)}` : null,
    ].filter(Boolean);
    setHit(parts.length ? { px, py, text: parts.join(" · ") } : null);
  };

  return (
    <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="schedule-chart" data-hyperparameter={spec.name}>
      <figcaption className="flex flex-wrap items-baseline gap-x-2 px-1 pb-1 text-xs text-zinc-600 dark:text-zinc-400">
        <code className="font-mono text-sm font-medium text-zinc-900 dark:text-zinc-100">{spec.name}</code>
        <span>
          {spec.kind}
          {spec.log ? ", log axis" : ""}
        </span>
        <span className={spec.explored ? "" : "font-medium text-amber-800 dark:text-amber-300"}>
          {spec.explored ? "explored" : "never explored: travels with the weights when a member is copied"}
        </span>
      </figcaption>
      <div ref={wrapper} className="relative" style={{ height: HEIGHT }} onMouseMove={onMove} onMouseLeave={() => setHit(null)}>
        <canvas
          ref={canvas}
          className="absolute inset-0"
          data-testid="schedule-canvas"
          role="img"
          aria-label={`${spec.name} per member against generation; the traced lineage's values: ${schedule.map((p) => formatValue(spec.categories ? JSON.parse(spec.categories[p.value]!) : p.value)).join(", ")}`}
        />
        <canvas ref={traceLayer} className="absolute inset-0" aria-hidden />
        {hit && (
          <div
            role="tooltip"
            className="pointer-events-none absolute z-10 max-w-72 rounded-md border border-zinc-200 bg-white p-2 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
            style={{ left: Math.min(hit.px + 12, Math.max(0, width - 290)), top: 4 }}
          >
            {hit.text}
          </div>
        )}
      </div>
    </figure>
  );
});

type Scale = ReturnType<typeof makeScale>;

function drawMembers(ctx: CanvasRenderingContext2D, series: { member: number; points: SchedulePoint[] }[], x: Scale, y: Scale, theme: ChartColours) {
  const many = series.length > 24;
  ctx.lineWidth = many ? 1 : 1.5;
  ctx.globalAlpha = many ? 0.5 : 0.8;
  for (const s of series) {
    const colour = theme.members[s.member % theme.members.length]!;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.setLineDash(memberDash(s.member));
    // A step line: the value holds through a generation, then moves. A copy behind starts afresh.
    ctx.beginPath();
    s.points.forEach((p, i) => {
      const px = x(p.generation);
      const py = y(p.value);
      if (i === 0 || p.generation <= s.points[i - 1]!.generation) ctx.moveTo(px - (x(1) - x(0)) / 2, py);
      else ctx.lineTo(px - (x(1) - x(0)) / 2, py);
      ctx.lineTo(px + (x(1) - x(0)) / 2, py);
    });
    ctx.stroke();
    // A member with one job is a dot, not an invisible line.
    if (s.points.length === 1) {
      ctx.beginPath();
      ctx.arc(x(s.points[0]!.generation), y(s.points[0]!.value), 2.5, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
}

function drawSchedule(ctx: CanvasRenderingContext2D, schedule: SchedulePoint[], branches: SchedulePoint[][], x: Scale, y: Scale, theme: ChartColours) {
  const path = new Path2D();
  const half = (x(1) - x(0)) / 2;
  schedule.forEach((p, i) => {
    if (i === 0) path.moveTo(x(p.generation) - half, y(p.value));
    else path.lineTo(x(p.generation) - half, y(p.value));
    path.lineTo(x(p.generation) + half, y(p.value));
  });
  for (const [a, b] of branches) {
    path.moveTo(x(a!.generation) + half, y(a!.value));
    path.lineTo(x(b!.generation) - half, y(b!.value));
    path.lineTo(x(b!.generation) + half, y(b!.value));
  }
  ctx.lineCap = "round";
  ctx.strokeStyle = theme.background;
  ctx.lineWidth = 5;
  ctx.stroke(path);
  ctx.strokeStyle = theme.trace;
  ctx.lineWidth = 2.5;
  ctx.stroke(path);
  ctx.fillStyle = theme.trace;
  for (const p of schedule) {
    ctx.beginPath();
    ctx.arc(x(p.generation), y(p.value), 2.5, 0, Math.PI * 2);
    ctx.fill();
  }
}

function drawShares(
  ctx: CanvasRenderingContext2D,
  shares: Map<number, number[]>,
  categories: string[],
  x: Scale,
  y: Scale,
  area: { left: number; top: number; width: number; height: number },
  theme: ChartColours,
) {
  const w = Math.max(1, (x(1) - x(0)) * 0.8);
  for (const [g, row] of shares) {
    let acc = 0;
    row.forEach((share, i) => {
      if (share <= 0) return;
      ctx.fillStyle = theme.members[i % theme.members.length]!;
      ctx.globalAlpha = 0.85;
      ctx.fillRect(x(g) - w / 2, y(acc + share), w, y(acc) - y(acc + share));
      acc += share;
    });
  }
  ctx.globalAlpha = 1;
  // The key of the values, under the plot's left half; it stops short of the axis title at the
  // right end (drawAxes, titleAt "end"), and says how many values it had no room for.
  ctx.font = "12px ui-sans-serif, system-ui, sans-serif";
  const right = area.left + area.width - ctx.measureText("generation").width - 16;
  ctx.font = "11px ui-sans-serif, system-ui, sans-serif";
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  let left = 70;
  for (let i = 0; i < categories.length; i++) {
    const label = categories[i]!.replace(/^"|"$/g, "");
    const more = `+${categories.length - i} more`;
    const fits = left + 11 + ctx.measureText(label).width + (i < categories.length - 1 ? 24 + ctx.measureText(more).width : 0) <= right;
    if (!fits) {
      ctx.fillStyle = theme.text;
      ctx.fillText(more, left, area.top + area.height + 25);
      break;
    }
    ctx.fillStyle = theme.members[i % theme.members.length]!;
    ctx.fillRect(left, area.top + area.height + 26, 8, 8);
    ctx.fillStyle = theme.text;
    ctx.fillText(label, left + 11, area.top + area.height + 25);
    left += ctx.measureText(label).width + 24;
  }
}

/** The traced lineage's value per generation of a choice parameter: a ring in the middle of that value's band. */
function drawShareRings(ctx: CanvasRenderingContext2D, shares: Map<number, number[]>, x: Scale, y: Scale, theme: ChartColours, schedule: SchedulePoint[]) {
  ctx.strokeStyle = theme.trace;
  ctx.lineWidth = 2;
  for (const p of schedule) {
    const row = shares.get(p.generation);
    if (!row) continue;
    const below = row.slice(0, p.value).reduce((a, b) => a + b, 0);
    ctx.beginPath();
    ctx.arc(x(p.generation), y(below + row[p.value]! / 2), 3.5, 0, Math.PI * 2);
    ctx.stroke();
  }
}
