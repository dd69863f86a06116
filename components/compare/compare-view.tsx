"use client";
// Experiments side by side: each one's best score so far against training steps, overlaid, and a
// table of their best, final and generation-0 scores (PBT against grid search, PBT against PB2).
// The experiments compared are in the URL (?e=one&e=two), so a comparison can be shared.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId } from "react";
import { CartesianGrid, Line, LineChart, XAxis, YAxis } from "recharts";
import type { ComparedExperiment, Comparison } from "@/server/domain/analysis";
import { axisStyle, gridStyle, xAxisTitle, yAxisTitle } from "../charts/axis";
import { memberColor } from "../charts/colors";
import { ExperimentStatusBadge } from "../experiment-status-badge";
import { formatScore } from "../format";
import { formatTick, integerTicks, niceLinear } from "../analysis/ticks";
import { Loading, Skeleton } from "../skeleton";
import { button, input, label, link, sectionHeading } from "../experiment/ui";
import { experimentHref, jobHref } from "../routes";
import { useTRPC } from "../trpc";
import { useQueryState } from "../url-state";

/** As the server takes them (server/api/operations/compareExperiments.ts). */
const MAX_COMPARED = 8;

export function CompareView() {
  const trpc = useTRPC();
  const [query, setQuery] = useQueryState();
  const names = [...new Set(query.getAll("e"))].slice(0, MAX_COMPARED);
  const ready = names.length >= 2;
  const comparison = useQuery(
    trpc.analysis.compare.queryOptions({ experiments: names }, { enabled: ready, staleTime: 10_000, retry: 1, placeholderData: (previous) => previous }),
  );
  const setNames = (next: string[]) => setQuery({ e: next });
  return (
    <div className="space-y-6">
      <div>
        <nav aria-label="Breadcrumb" className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
          <Link href="/" className={link}>
            Experiments
          </Link>
        </nav>
        <h1 className="text-2xl font-semibold tracking-tight">Compare experiments</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Best score so far against training steps, and each run&apos;s best, final and generation-0 scores.
        </p>
      </div>
      <Picker names={names} onChange={setNames} />
      {!ready ? (
        <p
          className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
          data-testid="pick-more"
        >
          Pick {names.length === 0 ? "two experiments or more" : "one more experiment"} to compare (PBT against a grid search, against PB2…).
        </p>
      ) : comparison.isPending ? (
        <Loading label="Loading the comparison…">
          <div className="space-y-4">
            <Skeleton className="h-80 w-full" />
            <Skeleton className="h-32 w-full" />
          </div>
        </Loading>
      ) : !comparison.data ? (
        <div role="alert" className="rounded-lg border border-red-300 p-4 text-sm text-red-800 dark:border-red-900 dark:text-red-300">
          <p className="font-semibold">Could not compare these experiments</p>
          <p className="mt-1">{comparison.error?.message}</p>
          <button type="button" className={`mt-3 ${button}`} onClick={() => void comparison.refetch()}>
            Retry
          </button>
        </div>
      ) : (
        <ComparisonBody comparison={comparison.data} />
      )}
    </div>
  );
}

function Picker({ names, onChange }: { names: string[]; onChange(names: string[]): void }) {
  const id = useId();
  const trpc = useTRPC();
  const list = useQuery(trpc.experiments.list.queryOptions({ limit: 1000, archived: "include" }, { staleTime: 10_000 }));
  const choices = (list.data?.items ?? []).filter((e) => !names.includes(e.name));
  return (
    <div className="flex flex-wrap items-end gap-3">
      <ul className="flex flex-wrap gap-2" aria-label="Experiments compared">
        {names.map((name, i) => (
          <li key={name} className="inline-flex items-center gap-2 rounded-full border border-zinc-300 py-1 pr-1 pl-3 text-sm dark:border-zinc-700">
            <span aria-hidden className="size-2.5 rounded-full" style={{ background: memberColor(i) }} />
            {name}
            <button
              type="button"
              className="rounded-full px-1.5 text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-emerald-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
              aria-label={`Remove ${name}`}
              onClick={() => onChange(names.filter((n) => n !== name))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {names.length < MAX_COMPARED && (
        <div>
          <label htmlFor={`${id}-add`} className={label}>
            Add an experiment
          </label>
          <select
            id={`${id}-add`}
            className={`${input} mt-1 w-72`}
            value=""
            onChange={(e) => e.target.value && onChange([...names, e.target.value])}
            disabled={list.isPending}
          >
            <option value="">{list.isPending ? "Loading…" : choices.length ? "choose…" : "no other experiment"}</option>
            {choices.map((e) => (
              <option key={e.id} value={e.name}>
                {e.name} ({e.status})
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}

/** How an experiment searched, in a few words. */
function strategy(e: ComparedExperiment): string {
  const explore = e.explore.length ? e.explore.join(", ") : "no explore";
  if (e.exploit === "none") return e.explore.length ? `explore only (${explore}), ${e.mode}` : `fixed values (grid or random search), ${e.mode}`;
  return `PBT: ${e.exploit}, ${explore}, ${e.mode}`;
}

function ComparisonBody({ comparison }: { comparison: Comparison }) {
  const { experiments, x } = comparison;
  const metrics = [...new Set(experiments.map((e) => e.metric))];
  const objectives = [...new Set(experiments.map((e) => e.objective))];
  const curves = experiments.flatMap((e) => e.curve);
  const xs = integerTicks(curves.length ? Math.min(...curves.map((p) => p.x)) : 0, curves.length ? Math.max(...curves.map((p) => p.x)) : 1);
  const ys = niceLinear(curves.length ? Math.min(...curves.map((p) => p.best)) : 0, curves.length ? Math.max(...curves.map((p) => p.best)) : 1);
  const xTitle = x === "step" ? "training step (the job's last reported step)" : "generations trained (a job's generation + 1)";
  const yTitle = metrics.length === 1 ? `best ${metrics[0]} so far` : "best score so far";
  return (
    <>
      {(metrics.length > 1 || objectives.length > 1) && (
        <p role="note" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-500/10 dark:text-amber-200">
          These experiments rank different things ({metrics.length > 1 ? `metrics ${metrics.join(", ")}` : `objectives ${objectives.join(", ")}`}): their scores
          are not comparable as they are.
        </p>
      )}
      <section aria-labelledby="compare-curves-heading" className="space-y-2">
        <h2 id="compare-curves-heading" className={sectionHeading}>
          Best so far
        </h2>
        <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800" data-testid="compare-chart" data-x={x}>
          <LineChart responsive style={{ width: "100%", height: 360 }} margin={{ top: 8, right: 24, bottom: 28, left: 16 }} accessibilityLayer>
            <CartesianGrid {...gridStyle} />
            <XAxis type="number" dataKey="x" domain={xs.domain} ticks={xs.ticks} allowDuplicatedCategory={false} label={xAxisTitle(xTitle)} {...axisStyle} />
            <YAxis
              type="number"
              dataKey="best"
              domain={ys.domain}
              ticks={ys.ticks}
              width={64}
              tickFormatter={(v: number) => formatTick(v)}
              label={yAxisTitle(yTitle)}
              {...axisStyle}
            />
            {experiments.map((e, i) => (
              <Line
                key={e.name}
                data={e.curve}
                dataKey="best"
                name={e.name}
                type="stepAfter"
                stroke={memberColor(i)}
                strokeWidth={2.25}
                dot={false}
                isAnimationActive={false}
                className="compare-line"
              />
            ))}
          </LineChart>
          <figcaption className="flex flex-wrap gap-x-4 gap-y-1 px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
            {experiments.map((e, i) => (
              <span key={e.name} className="inline-flex items-center gap-1.5" data-legend={e.name}>
                <svg aria-hidden width="18" height="6">
                  <line x1="0" y1="3" x2="18" y2="3" stroke={memberColor(i)} strokeWidth="2.5" />
                </svg>
                {e.name}
              </span>
            ))}
          </figcaption>
        </figure>
      </section>
      <section aria-labelledby="compare-table-heading" className="space-y-2">
        <h2 id="compare-table-heading" className={sectionHeading}>
          Scores
        </h2>
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="compare-table">
            <caption className="sr-only">Scores of the experiments compared</caption>
            <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-3 py-2 text-left font-medium">
                  Experiment
                </th>
                <th scope="col" className="px-3 py-2 text-left font-medium">
                  Search
                </th>
                <th scope="col" className="px-3 py-2 text-left font-medium">
                  Status
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Population
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Jobs done
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Generation 0 best
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Final
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Best
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 tabular-nums dark:divide-zinc-800">
              {experiments.map((e, i) => (
                <tr key={e.name} data-experiment={e.name}>
                  <th scope="row" className="px-3 py-2 text-left font-medium whitespace-nowrap">
                    <span aria-hidden className="mr-2 inline-block size-2.5 rounded-full" style={{ background: memberColor(i) }} />
                    <Link href={experimentHref(e.name)} className={link}>
                      {e.name}
                    </Link>
                  </th>
                  <td className="px-3 py-2">{strategy(e)}</td>
                  <td className="px-3 py-2">
                    <ExperimentStatusBadge status={e.status} />
                  </td>
                  <td className="px-3 py-2 text-right">{e.populationSize}</td>
                  <td className="px-3 py-2 text-right">{e.jobsDone}</td>
                  <td className="px-3 py-2 text-right" data-cell="generation0">
                    {formatScore(e.generation0)}
                  </td>
                  <td className="px-3 py-2 text-right" data-cell="final">
                    {formatScore(e.final)}
                  </td>
                  <td className="px-3 py-2 text-right font-semibold" data-cell="best">
                    {e.best ? (
                      <Link href={jobHref(e.best.jobId)} className={link} title={`job #${e.best.jobId}`}>
                        {formatScore(e.best.score)}
                      </Link>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          {objectives.length === 1 ? `${objectives[0] === "maximize" ? "Higher" : "Lower"} is better. ` : ""}Final: the best of the members&apos; latest
          finished scores, where the population ended. Best: the best score of any job (a link to it).
        </p>
      </section>
    </>
  );
}
