"use client";
// A metric along the job's ancestry against the training step (steps count on from the parent's
// checkpoint, so the curve runs through the members an exploit passed through), this job's own
// points in colour. Any metric the lineage reported can be chosen.
import { useId } from "react";
import { CartesianGrid, Line, LineChart, XAxis, YAxis } from "recharts";
import { axisStyle, gridStyle, xAxisTitle, yAxisTitle } from "../charts/axis";
import { input, sectionHeading } from "../experiment/ui";
import { formatTick, integerTicks, niceLinear } from "../analysis/ticks";
import type { RouterOutputs } from "../trpc";

type Detail = RouterOutputs["dashboard"]["job"];

export function LineageCurve({ detail, onMetric, loading }: { detail: Detail; onMetric(metric: string): void; loading: boolean }) {
  const id = useId();
  const points = detail.curve;
  const own = points.filter((p) => p.jobId === detail.job.id);
  const metrics = [...new Set([...detail.metrics, detail.metric])];
  const x = points.length ? integerTicks(points[0]!.step, points.at(-1)!.step) : null;
  const values = points.map((p) => p.value);
  const y = points.length
    ? niceLinear(
        values.reduce((a, b) => Math.min(a, b)),
        values.reduce((a, b) => Math.max(a, b)),
      )
    : null;
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="curve-heading" className={sectionHeading}>
          Metric curve
        </h2>
        <div className="flex items-center gap-2">
          <label htmlFor={`${id}-metric`} className="text-sm text-zinc-600 dark:text-zinc-400">
            Metric
          </label>
          <select
            id={`${id}-metric`}
            className={`${input} w-auto`}
            value={detail.metric}
            onChange={(e) => onMetric(e.target.value)}
            disabled={metrics.length < 2}
          >
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
      </div>
      {points.length === 0 || !x || !y ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="no-curve">
          {detail.metrics.length === 0
            ? "No metric points were reported along this lineage."
            : `No ${detail.metric} points along this lineage; choose another metric.`}
        </p>
      ) : (
        <figure
          className={`rounded-lg border border-zinc-200 p-2 dark:border-zinc-800 ${loading ? "opacity-60" : ""}`}
          data-testid="job-curve"
          data-metric={detail.metric}
          data-points={points.length}
        >
          <LineChart responsive style={{ width: "100%", height: 260 }} margin={{ top: 8, right: 16, bottom: 24, left: 16 }} accessibilityLayer>
            <CartesianGrid {...gridStyle} />
            <XAxis
              type="number"
              dataKey="step"
              domain={x.domain}
              ticks={x.ticks}
              allowDuplicatedCategory={false}
              label={xAxisTitle("training step (counted on from generation 0)", -16)}
              {...axisStyle}
            />
            <YAxis
              type="number"
              dataKey="value"
              domain={y.domain}
              ticks={y.ticks}
              width={64}
              tickFormatter={(v: number) => formatTick(v)}
              label={yAxisTitle(detail.metric)}
              {...axisStyle}
            />
            <Line
              data={points}
              dataKey="value"
              stroke="var(--chart-text)"
              strokeOpacity={0.8}
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
              name="ancestry"
            />
            <Line data={own} dataKey="value" stroke="#059669" strokeWidth={3} dot={own.length < 30} isAnimationActive={false} name="this job" />
          </LineChart>
          <figcaption className="px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
            {detail.metric} against step along the ancestry (grey); this job&apos;s own points in green.
          </figcaption>
        </figure>
      )}
    </>
  );
}
