// The look every chart's grid and axes share, from the theme's chart colours (app/globals.css).
export const gridStyle = { stroke: "var(--chart-grid)", strokeDasharray: "3 3" } as const;
export const axisStyle = { tick: { fill: "var(--chart-text)", fontSize: 12 }, stroke: "var(--chart-grid)" } as const;

/** An x axis' title under its ticks (recharts' label prop); `offset` moves it down. */
export const xAxisTitle = (value: string, offset = -18) => ({ value, position: "insideBottom", offset, fill: "var(--chart-text)", fontSize: 12 }) as const;

/** A y axis' title, turned along the axis left of its ticks (recharts' label prop). */
export const yAxisTitle = (value: string) =>
  ({ value, angle: -90, position: "insideLeft", offset: -4, fill: "var(--chart-text)", fontSize: 12, style: { textAnchor: "middle" } }) as const;
