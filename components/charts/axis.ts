// The look every chart's grid and axes share, from the theme's chart colours (app/globals.css).
export const gridStyle = { stroke: "var(--chart-grid)", strokeDasharray: "3 3" } as const;
export const axisStyle = { tick: { fill: "var(--chart-text)", fontSize: 12 }, stroke: "var(--chart-grid)" } as const;
