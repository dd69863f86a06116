// The colours the charts and the lineage tree draw with, one set per colour scheme, defined once
// here: the root layout writes them as CSS custom properties (themeCss), the DOM uses them as
// var(--…), and the canvases read the rendered values back (use-chart-theme.ts), so what a test
// computes from the page's styles is what was drawn.
//
// Every colour that marks a member, a score or a status keeps at least 3:1 contrast against its
// scheme's background (WCAG 1.4.11, checked by theme.test.ts and by the browser tests).

export type Scheme = "light" | "dark";

export interface ChartColours {
  /** The page's background (tailwind white / zinc-950); charts are drawn on it. */
  background: string;
  text: string;
  grid: string;
  /** The traced lineage (the best lineage unless another job is traced). */
  trace: string;
  exploit: string;
  edge: string;
  running: string;
  crashed: string;
  diverged: string;
  /**
   * Members' colours: the Okabe–Ito hues (told apart with the common colour-vision deficiencies),
   * darkened for a white background and lightened for a dark one. Members past the eighth reuse
   * them with another dash pattern (memberDash).
   */
  members: string[];
  /**
   * The score scale, worst to best: a stretch of viridis (perceptually even, colour-blind safe)
   * whose every colour keeps 3:1 against the background; the better end is the one that stands
   * out more (dark on white, bright on black).
   */
  score: string[];
}

export const THEMES: Record<Scheme, ChartColours> = {
  light: {
    background: "#ffffff",
    text: "#52525b",
    grid: "#e4e4e7",
    trace: "#18181b",
    exploit: "#c2410c",
    edge: "#a1a1aa",
    running: "#047857",
    crashed: "#dc2626",
    diverged: "#7f1d1d",
    members: ["#0072B2", "#C25200", "#00805C", "#B0468A", "#8A6D00", "#6B55C8", "#00788A", "#5F5F5F"],
    score: ["#1f9e89", "#23888e", "#2a788e", "#31688e", "#3e4989", "#482878", "#440154"],
  },
  dark: {
    background: "#09090b",
    text: "#a1a1aa",
    grid: "#27272a",
    trace: "#fafafa",
    exploit: "#fb923c",
    edge: "#52525b",
    running: "#34d399",
    crashed: "#f87171",
    diverged: "#fca5a5",
    members: ["#56B4E9", "#F07B3F", "#1DB58A", "#E58AC2", "#E8D44D", "#A99AF5", "#4CC9D6", "#BBBBBB"],
    score: ["#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"],
  },
};

export const MEMBER_COLOURS = THEMES.light.members.length;

/** The custom properties of one scheme. */
function properties(c: ChartColours): string {
  const lines = [
    `--chart-background: ${c.background}`,
    `--chart-text: ${c.text}`,
    `--chart-grid: ${c.grid}`,
    `--chart-best: ${c.trace}`,
    `--chart-trace: ${c.trace}`,
    `--chart-exploit: ${c.exploit}`,
    `--chart-edge: ${c.edge}`,
    `--chart-surface: ${c.background}`,
    `--status-running: ${c.running}`,
    `--status-crashed: ${c.crashed}`,
    `--status-diverged: ${c.diverged}`,
    ...c.members.map((m, i) => `--member-${i}: ${m}`),
    ...c.score.map((s, i) => `--score-${i}: ${s}`),
    `--score-worst: ${c.score[0]}`,
    `--score-best: ${c.score.at(-1)}`,
  ];
  return lines.map((l) => `  ${l};`).join("\n");
}

/** The stylesheet the root layout includes: light by default, dark with the system's setting. */
export function themeCss(): string {
  return `:root {\n${properties(THEMES.light)}\n}\n@media (prefers-color-scheme: dark) {\n  :root {\n${properties(THEMES.dark)}\n  }\n}\n`;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `rgb(r, g, b)` / `rgba(…)` / `#rgb` / `#rrggbb` as #rrggbb (what getComputedStyle gives back). */
export function toHex(colour: string): string {
  const c = colour.trim();
  if (/^#[0-9a-f]{6}$/i.test(c)) return c.toLowerCase();
  if (/^#[0-9a-f]{3}$/i.test(c)) return `#${[...c.slice(1)].map((d) => d + d).join("")}`.toLowerCase();
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  if (!m) throw new Error(`not a colour: ${colour}`);
  return `#${m
    .slice(1, 4)
    .map((v) => Math.round(Number(v)).toString(16).padStart(2, "0"))
    .join("")}`;
}

/** A colour `t` of the way along `stops` (t in [0, 1]), interpolated in sRGB. */
export function along(stops: string[], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseInt(toHex(stops[i]!).slice(1), 16);
  const b = parseInt(toHex(stops[i + 1]!).slice(1), 16);
  const mix = (shift: number) => Math.round(((a >> shift) & 255) + (((b >> shift) & 255) - ((a >> shift) & 255)) * f);
  return `#${[16, 8, 0].map((s) => mix(s).toString(16).padStart(2, "0")).join("")}`;
}
