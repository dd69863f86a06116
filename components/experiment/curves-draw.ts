// Drawing the score curves on a canvas: every member's line (a dash pattern past the eighth
// colour), dashed connectors where a copy jumps to its donor's curve, the exploit marks, and the
// traced lineage over everything.
import { memberDash } from "../charts/colors";
import { drawAxes, type AxisSpec, type PlotArea, type Scale } from "../charts/plot";
import type { ChartColours } from "../charts/theme";
import type { CurveLine, TracePath } from "./curves-model";
import type { Curves } from "./types";

export interface CurvesPaint {
  area: PlotArea;
  x: Scale;
  y: Scale;
  xAxis: AxisSpec;
  yAxis: AxisSpec;
  theme: ChartColours;
  lines: CurveLine[];
  /** Members singled out (the others fade), empty: all alike. */
  selected: Set<number>;
  exploits: Curves["exploits"];
  /** Where each job's line ends (the donor side of an exploit's connector). */
  lastOfJob: Map<number, { x: number; y: number; member: number }>;
  xUnit: number;
}

export function drawCurves(ctx: CanvasRenderingContext2D, p: CurvesPaint) {
  const { area, x, y, theme } = p;
  drawAxes(ctx, area, x, y, p.xAxis, p.yAxis, theme);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top - 4, area.width + 4, area.height + 8);
  ctx.clip();

  const many = p.lines.length > 24;
  const fade = p.selected.size > 0;
  ctx.lineJoin = "round";
  for (const line of p.lines) {
    const chosen = p.selected.has(line.member);
    ctx.globalAlpha = fade ? (chosen ? 1 : 0.15) : many ? 0.55 : 0.9;
    ctx.lineWidth = chosen ? 2.5 : many ? 1 : 1.5;
    ctx.strokeStyle = theme.members[line.member % theme.members.length]!;
    ctx.setLineDash(memberDash(line.member));
    ctx.beginPath();
    for (let i = 0; i < line.xs.length; i++) {
      const px = x(line.xs[i]!);
      const py = y(line.ys[i]!);
      if (!Number.isFinite(py)) continue;
      // A new job that does not go on from the previous point (a copy) starts a new stroke.
      const restart = i === 0 || (line.jobIds[i] !== line.jobIds[i - 1] && line.xs[i]! < line.xs[i - 1]!);
      if (restart) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);

  // Exploits: a dashed connector from the donor's last point to the copy's first, and a mark.
  ctx.globalAlpha = fade ? 0.35 : 0.8;
  ctx.lineWidth = 1;
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = theme.exploit;
  ctx.beginPath();
  for (const e of p.exploits) {
    const donor = e.donorJobId === null ? undefined : p.lastOfJob.get(e.donorJobId);
    if (!donor) continue;
    ctx.moveTo(x(donor.x), y(donor.y));
    ctx.lineTo(x(e.step / p.xUnit), y(e.value));
  }
  ctx.stroke();
  ctx.setLineDash([]);
  drawExploitMarks(ctx, p);
  ctx.restore();
}

/** Where a copy's curve starts: a mark over the lines (and over the trace, which draws them again). */
function drawExploitMarks(ctx: CanvasRenderingContext2D, p: Pick<CurvesPaint, "x" | "y" | "theme" | "exploits" | "xUnit">) {
  const { x, y, theme } = p;
  ctx.globalAlpha = 1;
  ctx.fillStyle = theme.exploit;
  ctx.strokeStyle = theme.background;
  const marks = new Path2D();
  for (const e of p.exploits) {
    const cx = x(e.step / p.xUnit);
    const cy = y(e.value);
    if (!Number.isFinite(cy)) continue;
    marks.moveTo(cx, cy - 5);
    marks.lineTo(cx + 4.5, cy + 3.5);
    marks.lineTo(cx - 4.5, cy + 3.5);
    marks.closePath();
  }
  ctx.lineWidth = 1;
  ctx.stroke(marks);
  ctx.fill(marks);
}

/**
 * The traced lineage over the curves (a halo in the background colour, then the line), and the
 * exploit marks again on top. On a canvas of its own above the lines', so a new trace does not
 * redraw every member's curve.
 */
export function drawCurveTrace(
  ctx: CanvasRenderingContext2D,
  p: Pick<CurvesPaint, "area" | "x" | "y" | "theme" | "exploits" | "xUnit"> & { trace: TracePath[] },
) {
  const { area, x, y, theme } = p;
  if (p.trace.length === 0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top - 4, area.width + 4, area.height + 8);
  ctx.clip();
  ctx.globalAlpha = 1;
  const trace = new Path2D();
  for (const path of p.trace) {
    path.points.forEach((pt, i) => (i === 0 ? trace.moveTo(x(pt.x), y(pt.y)) : trace.lineTo(x(pt.x), y(pt.y))));
  }
  ctx.lineCap = "round";
  ctx.strokeStyle = theme.background;
  ctx.lineWidth = 6;
  ctx.stroke(trace);
  ctx.strokeStyle = theme.trace;
  ctx.lineWidth = 2.5;
  ctx.stroke(trace);

  drawExploitMarks(ctx, p);
  ctx.restore();
}
