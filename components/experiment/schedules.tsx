"use client";
// Hyperparameter schedules: for each explored hyperparameter, its value per member against
// generation (step lines), with the best lineage on top: the schedule PBT found.
import { memo, useMemo } from "react";
import { CartesianGrid, LineChart, Line, XAxis, YAxis } from "recharts";
import { axisStyle, gridStyle } from "../charts/axis";
import { formatValue } from "../format";
import { lineDomain, MemberLines } from "./member-lines";
import { cellJobs, exploredHyperparameters } from "./population-data";
import type { Overview } from "./types";
import { toggle } from "./ui";
import type { PanelProps } from "./view-state";
import { SectionHeader } from "./section-header";

interface Series {
  member: number;
  points: { generation: number; value: number }[];
}

// Memoised: the page redraws on every live update, this chart only when its inputs change.
export const HyperparameterSchedules = memo(function HyperparameterSchedules({
  overview,
  view,
  setView,
}: PanelProps) {
  const names = exploredHyperparameters(overview);
  const selected = view.hyperparameter && names.includes(view.hyperparameter) ? view.hyperparameter : names[0];
  return (
    <div className="space-y-3">
      <SectionHeader id="schedules-heading" title="Hyperparameter schedules">
        {names.length > 1 && (
          <div className="flex flex-wrap gap-1" role="group" aria-label="Hyperparameter">
            {names.map((n) => (
              <button key={n} type="button" className={toggle} aria-pressed={n === selected} onClick={() => setView({ hyperparameter: n === names[0] ? null : n })}>
                {n}
              </button>
            ))}
          </div>
        )}
      </SectionHeader>
      {selected === undefined ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">This experiment has no hyperparameters.</p>
      ) : (
        <ScheduleChart overview={overview} name={selected} />
      )}
    </div>
  );
});

const ScheduleChart = memo(function ScheduleChart({ overview, name }: { overview: Overview; name: string }) {
  const spec = overview.experiment.config.hyperparameters[name]!;
  const { series, best, categories } = useMemo(() => {
    // choice values are drawn at their index in the list.
    const categories = spec.init.kind === "choice" ? spec.init.values.map((v) => JSON.stringify(v)) : null;
    const toNumber = (v: unknown): number | null => {
      if (categories) {
        const i = categories.indexOf(JSON.stringify(v));
        return i >= 0 ? i : null;
      }
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    };
    const byMember = new Map<number, Series>();
    for (const job of cellJobs(overview.jobs).sort((a, b) => a.generation - b.generation)) {
      const value = toNumber(job.hyperparameters[name]);
      if (value === null) continue;
      let s = byMember.get(job.member);
      if (!s) byMember.set(job.member, (s = { member: job.member, points: [] }));
      s.points.push({ generation: job.generation, value });
    }
    const jobById = new Map(overview.jobs.map((j) => [j.id, j]));
    const best = (overview.best?.jobIds ?? [])
      .map((id) => jobById.get(id))
      .flatMap((j) => {
        const value = j ? toNumber(j.hyperparameters[name]) : null;
        return j && value !== null ? [{ generation: j.generation, value }] : [];
      });
    return { series: [...byMember.values()].sort((a, b) => a.member - b.member), best, categories };
  }, [overview, name, spec]);

  if (series.length === 0) {
    return <p className="flex h-56 items-center justify-center text-sm text-zinc-500 dark:text-zinc-400">No jobs yet.</p>;
  }
  const log = spec.init.kind === "loguniform";
  // The member lines are not recharts' (member-lines.tsx), so the axes get their extent from here.
  const [firstGeneration, lastGeneration] = lineDomain(series, "generation", best.map((p) => p.generation));
  // A long history comes as each member's latest jobs: the axis starts at the oldest of them.
  const fromGeneration = overview.window.latestPerMember === null ? 0 : firstGeneration;
  const yDomain = categories ? [0, categories.length - 1] : lineDomain(series, "value", best.map((p) => p.value), !log);
  return (
    <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="schedule-chart">
      <LineChart responsive style={{ width: "100%", height: 240 }} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer>
        <CartesianGrid {...gridStyle} />
        <XAxis
          type="number"
          dataKey="generation"
          domain={[fromGeneration, lastGeneration]}
          allowDecimals={false}
          allowDuplicatedCategory={false}
          {...axisStyle}
        />
        <YAxis
          type="number"
          dataKey="value"
          scale={log ? "log" : "auto"}
          domain={yDomain}
          ticks={categories ? categories.map((_, i) => i) : undefined}
          allowDataOverflow={false}
          width={64}
          tickFormatter={(v: number) => (categories ? (categories[v] ?? "") : formatValue(v))}
          {...axisStyle}
        />
        <MemberLines series={series} xKey="generation" step opacity={0.75} />
        {best.length > 0 && (
          <Line
            data={best}
            dataKey="value"
            type="stepAfter"
            stroke="var(--chart-best)"
            strokeWidth={3}
            dot={{ r: 2.5, fill: "var(--chart-best)", strokeWidth: 0 }}
            activeDot={false}
            isAnimationActive={false}
          />
        )}
      </LineChart>
      <figcaption className="px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
        <code className="font-mono">{name}</code> ({spec.init.kind}
        {spec.explore ? `, explored by ${spec.explore.kind}` : ", never explored"}) per member against generation
        {log ? ", log scale" : ""}; the thick line is the best lineage&apos;s schedule.
      </figcaption>
    </figure>
  );
});
