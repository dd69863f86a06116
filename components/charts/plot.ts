// The parts every canvas chart shares: linear and log scales, and axes with round ticks, a grid
// and titles with units. Pure apart from the drawing calls.
import type { ChartColours } from "./theme";
import { formatLogTick, formatTick, linearTicks, logTicks, niceStep } from "./ticks";

export interface Scale {
  domain: [number, number];
  range: [number, number];
  log: boolean;
  (value: number): number;
  invert(pixel: number): number;
}

export function makeScale(domain: [number, number], range: [number, number], log = false): Scale {
  const [d0, d1] = log ? [Math.log10(domain[0]), Math.log10(domain[1])] : domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const scale = ((v: number) => {
    const t = log ? Math.log10(v) : v;
    return d1 === d0 ? (r0 + r1) / 2 : r0 + (t - d0) * k;
  }) as Scale;
  scale.domain = domain;
  scale.range = range;
  scale.log = log;
  scale.invert = (p: number) => {
    const t = k === 0 ? d0 : d0 + (p - r0) / k;
    return log ? 10 ** t : t;
  };
  return scale;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AxisSpec {
  title: string;
  /** Whole-number ticks (generations, steps). */
  integer?: boolean;
  /** Tick labels for categories (a choice parameter's values), by index. */
  categories?: string[];
  /** Labels other than numbers (e.g. a time axis in minutes). */
  format?: (value: number, step: number) => string;
  count?: number;
  /** Where the x axis's title sits under the plot: centred (the default), or at its right end (leaving the left for a key). */
  titleAt?: "center" | "end";
}

/** The ticks an axis shows: categories, powers of ten on a log axis, else round values. */
export function axisTicks(scale: Scale, spec: AxisSpec): { values: number[]; label(v: number): string } {
  if (spec.categories) return { values: spec.categories.map((_, i) => i), label: (v) => spec.categories![v] ?? "" };
  if (scale.log) return { values: logTicks(scale.domain[0], scale.domain[1]), label: formatLogTick };
  const [lo, hi] = scale.domain;
  const count = spec.count ?? 5;
  const values = linearTicks(lo, hi, count, spec.integer);
  const step = values.length > 1 ? values[1]! - values[0]! : niceStep(hi - lo, count);
  return { values, label: (v) => (spec.format ? spec.format(v, step) : formatTick(v, step)) };
}

export function drawAxes(ctx: CanvasRenderingContext2D, area: PlotArea, x: Scale, y: Scale, xSpec: AxisSpec, ySpec: AxisSpec, theme: ChartColours) {
  const xt = axisTicks(x, xSpec);
  const yt = axisTicks(y, ySpec);
  ctx.save();
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  for (const v of yt.values) {
    const py = Math.round(y(v)) + 0.5;
    ctx.moveTo(area.left, py);
    ctx.lineTo(area.left + area.width, py);
  }
  for (const v of xt.values) {
    const px = Math.round(x(v)) + 0.5;
    ctx.moveTo(px, area.top);
    ctx.lineTo(px, area.top + area.height);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.strokeStyle = theme.edge;
  ctx.beginPath();
  ctx.moveTo(area.left + 0.5, area.top);
  ctx.lineTo(area.left + 0.5, area.top + area.height + 0.5);
  ctx.lineTo(area.left + area.width, area.top + area.height + 0.5);
  ctx.stroke();

  ctx.fillStyle = theme.text;
  ctx.font = "11px ui-sans-serif, system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  let lastRight = -Infinity;
  for (const v of xt.values) {
    const px = x(v);
    const label = xt.label(v);
    const w = ctx.measureText(label).width;
    if (px - w / 2 < lastRight + 6) continue; // labels never overlap
    ctx.fillText(label, px, area.top + area.height + 5);
    lastRight = px + w / 2;
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  let lastTop = Infinity;
  for (const v of yt.values) {
    const py = y(v);
    if (py > lastTop - 12) continue;
    ctx.fillText(truncate(ctx, yt.label(v), area.left - 12), area.left - 6, py);
    lastTop = py;
  }
  ctx.font = "12px ui-sans-serif, system-ui, sans-serif";
  ctx.textBaseline = "bottom";
  if (xSpec.titleAt === "end") {
    ctx.textAlign = "right";
    ctx.fillText(xSpec.title, area.left + area.width, area.top + area.height + 34);
  } else {
    ctx.textAlign = "center";
    ctx.fillText(xSpec.title, area.left + area.width / 2, area.top + area.height + 34);
  }
  ctx.textAlign = "center";
  ctx.save();
  ctx.translate(12, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(truncate(ctx, ySpec.title, area.height), 0, 0);
  ctx.restore();
  ctx.restore();
}

function truncate(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > width) t = t.slice(0, -1);
  return `${t}…`;
}
