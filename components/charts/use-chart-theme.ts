"use client";
// The chart colours as rendered (the custom properties theme.ts writes), for drawing on canvas:
// read from the page's computed style, again when the colour scheme changes.
import { useEffect, useState } from "react";
import { MEMBER_COLOURS, THEMES, type ChartColours } from "./theme";

function read(): ChartColours {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const base = THEMES.light;
  return {
    background: v("--chart-background", base.background),
    text: v("--chart-text", base.text),
    grid: v("--chart-grid", base.grid),
    trace: v("--chart-trace", base.trace),
    exploit: v("--chart-exploit", base.exploit),
    edge: v("--chart-edge", base.edge),
    running: v("--status-running", base.running),
    crashed: v("--status-crashed", base.crashed),
    diverged: v("--status-diverged", base.diverged),
    members: Array.from({ length: MEMBER_COLOURS }, (_, i) => v(`--member-${i}`, base.members[i]!)),
    score: base.score.map((s, i) => v(`--score-${i}`, s)),
  };
}

export function useChartTheme(): ChartColours {
  const [theme, setTheme] = useState<ChartColours>(THEMES.light);
  useEffect(() => {
    setTheme(read());
    const query = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => setTheme(read());
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  return theme;
}
