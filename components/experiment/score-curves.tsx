"use client";
// Score curves: the metric of every member against its step, one colour per member, exploit
// points marked (where a curve jumps to its donor's), and the best member's lineage drawn on top.
import { memo, useId } from "react";
import { CartesianGrid, ComposedChart, Line, Scatter, XAxis, YAxis } from "recharts";
import { axisStyle, gridStyle } from "../charts/axis";
import { formatValue } from "../format";
import { CurvesHover } from "./curves-hover";
import { MemberLegend } from "./member-legend";
import { lineDomain, MemberLines } from "./member-lines";
import type { Curves } from "./types";
import { input } from "./ui";
import type { PanelProps } from "./view-state";
import { SectionHeader } from "./section-header";

// Memoised: the page redraws on every live update, this chart only when its inputs change.
export const ScoreCurves = memo(function ScoreCurves({
  overview,
  curves,
  loading,
  error,
  view,
  setView,
}: PanelProps & {
  curves: Curves | undefined;
  loading: boolean;
  error: string | null;
}) {
  const id = useId();
  const members = overview.members.map((m) => m.member);
  const metrics = curves?.metrics ?? [overview.experiment.config.metric];
  const metric = view.metric ?? overview.experiment.config.metric;
  return (
    <div className="space-y-3">
      <SectionHeader id="curves-heading" title="Score curves">
        <div className="flex items-center gap-2">
          <label htmlFor={`${id}-metric`} className="text-sm text-zinc-600 dark:text-zinc-400">
            Metric
          </label>
          <select
            id={`${id}-metric`}
            className={`${input} w-auto`}
            value={metric}
            onChange={(e) => setView({ metric: e.target.value === overview.experiment.config.metric ? null : e.target.value })}
          >
            {[...new Set([...metrics, metric])].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
      </SectionHeader>
      <MemberLegend members={members} selected={view.members} onChange={(m) => setView({ members: m })} />
      <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="score-curves">
        {error ? (
          <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
            Could not load the curves: {error}
          </p>
        ) : !curves || curves.series.length === 0 ? (
          <p className="flex h-72 items-center justify-center text-sm text-zinc-500 dark:text-zinc-400">
            {loading ? "Loading curves…" : "No points yet: curves appear as workers report metrics."}
          </p>
        ) : (
          <CurvesChart curves={curves} />
        )}
        <figcaption className="flex flex-wrap gap-x-4 gap-y-1 px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
          <span>
            {curves?.metric ?? metric} against {curves?.x ?? "step"}
          </span>
          <span className="inline-flex items-center gap-1">
            <svg aria-hidden width="18" height="6">
              <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-best)" strokeOpacity="0.22" strokeWidth="6" />
              <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-best)" strokeWidth="1.5" />
            </svg>
            best lineage
          </span>
          <span className="inline-flex items-center gap-1">
            <svg aria-hidden width="10" height="10">
              <path d="M5 1 L9 9 L1 9 Z" fill="var(--chart-exploit)" />
            </svg>
            exploit (copied a donor)
          </span>
          {curves && (
            <span data-testid="curve-points">
              {curves.series.reduce((n, s) => n + s.points.length, 0)} of {curves.totalPoints} points drawn
            </span>
          )}
        </figcaption>
      </figure>
    </div>
  );
});

const Triangle = (props: { cx?: number; cy?: number }) => {
  const { cx = 0, cy = 0 } = props;
  return <path d={`M${cx} ${cy - 5} L${cx + 5} ${cy + 4} L${cx - 5} ${cy + 4} Z`} fill="var(--chart-exploit)" stroke="var(--chart-surface)" strokeWidth={1} />;
};

const CurvesChart = memo(function CurvesChart({ curves }: { curves: Curves }) {
  const many = curves.series.length > 16;
  // The member lines are not recharts' (member-lines.tsx), so the axes get their extent from here.
  const marks = [...(curves.best?.points ?? []), ...curves.exploits];
  const xDomain = lineDomain(curves.series, "step", marks.map((p) => p.step));
  const yDomain = lineDomain(curves.series, "value", marks.map((p) => p.value), true);
  return (
    <ComposedChart
      responsive
      style={{ width: "100%", height: 320 }}
      margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
      accessibilityLayer
    >
      <CartesianGrid {...gridStyle} />
      <XAxis
        type="number"
        dataKey="step"
        domain={xDomain}
        allowDuplicatedCategory={false}
        {...axisStyle}
      />
      <YAxis
        type="number"
        dataKey="value"
        domain={yDomain}
        width={56}
        tickFormatter={(v: number) => formatValue(v)}
        {...axisStyle}
      />
      {curves.best && (
        <Line
          data={curves.best.points}
          dataKey="value"
          name="best lineage (band)"
          type="linear"
          stroke="var(--chart-best)"
          strokeOpacity={0.22}
          strokeWidth={8}
          strokeLinecap="round"
          strokeLinejoin="round"
          dot={false}
          activeDot={false}
          isAnimationActive={false}
        />
      )}
      <MemberLines series={curves.series} xKey="step" opacity={many ? 0.7 : 0.9} />
      {curves.best && (
        <Line
          data={curves.best.points}
          dataKey="value"
          name="best lineage"
          type="linear"
          stroke="var(--chart-best)"
          strokeWidth={1.5}
          dot={false}
          activeDot={false}
          isAnimationActive={false}
        />
      )}
      <Scatter
        data={curves.exploits}
        dataKey="value"
        name="exploits"
        shape={<Triangle />}
        isAnimationActive={false}
      />
      <CurvesHover curves={curves} xLabel={curves.x} />
    </ComposedChart>
  );
});
