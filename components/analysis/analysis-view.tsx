"use client";
// An experiment's analysis page: its finished jobs' hyperparameters against their scores as
// parallel coordinates (brush axes to select jobs and the members they belong to), the importance
// of each hyperparameter for the score and for the improvement over a generation, and a scatter of
// any hyperparameter against the score coloured by generation. Computed on the server
// (server/reads/analysis); refetched as jobs finish. The generations shown and the scatter's
// parameter live in the URL (?from=&to=&x=).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { Analysis } from "@/server/domain/analysis";
import { Breadcrumb } from "../breadcrumb";
import { SCORE_GRADIENT } from "../charts/colors";
import { formatScore } from "../format";
import { coalescedRefetch } from "../live/throttle";
import { useExperimentLive } from "../live/use-experiment-live";
import { Loading, Skeleton } from "../skeleton";
import { button, input, label, link, sectionHeading } from "../experiment/ui";
import { experimentHref, jobHref } from "../routes";
import { useTRPC } from "../trpc";
import { useQueryState } from "../url-state";
import { axesOf, brushed, SCORE_AXIS, type Brushes } from "./axes";
import { ImportanceSection } from "./importance-bars";
import { ParallelCoordinates } from "./parallel-coordinates";
import { ParameterScatter } from "./parameter-scatter";
import { ExperimentViewsNav } from "./views-nav";

/** At most one refetch per this long while jobs finish. */
const REFRESH_MS = 3_000;

const generationParam = (text: string | null) => (text !== null && /^\d{1,9}$/.test(text) ? Number(text) : undefined);

export function AnalysisView({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [query, setQuery] = useQueryState();
  const fromGeneration = generationParam(query.get("from"));
  const toGeneration = generationParam(query.get("to"));
  const range = fromGeneration !== undefined && toGeneration !== undefined && fromGeneration > toGeneration ? {} : { fromGeneration, toGeneration };
  const analysis = useQuery(
    trpc.analysis.experiment.queryOptions({ name, ...range }, { staleTime: Infinity, retry: 1, placeholderData: (previous) => previous }),
  );

  // Live: the analysis is read again (at most every REFRESH_MS) as jobs finish.
  const startSeq = useRef<number | null>(null);
  if (startSeq.current === null && analysis.data) startSeq.current = analysis.data.experiment.lastEventSeq;
  const refresh = useMemo(
    () =>
      coalescedRefetch(() => queryClient.invalidateQueries({ queryKey: trpc.analysis.experiment.queryKey({ name }) }, { cancelRefetch: false }), REFRESH_MS),
    [queryClient, trpc, name],
  );
  useEffect(() => () => refresh.cancel(), [refresh]);
  useExperimentLive(name, startSeq.current, {
    onEvents(events) {
      if (events.some((e) => e.type === "job.finished" && e.seq > (startSeq.current ?? 0))) refresh();
    },
    onMetrics() {},
    onHeartbeats() {},
    onResumed: refresh,
  });

  const header = (
    <div className="space-y-3">
      <div>
        <Breadcrumb experiment={name} />
        <h1 className="text-2xl font-semibold tracking-tight break-words">{name}</h1>
      </div>
      <ExperimentViewsNav name={name} view="analysis" />
    </div>
  );
  if (analysis.isPending) {
    return (
      <div className="space-y-6">
        {header}
        <AnalysisSkeleton />
      </div>
    );
  }
  if (!analysis.data) {
    const notFound = analysis.error?.data?.code === "NOT_FOUND";
    return (
      <div className="space-y-6">
        {header}
        <div role="alert" className="rounded-lg border border-red-300 p-4 text-sm text-red-800 dark:border-red-900 dark:text-red-300">
          <p className="font-semibold">{notFound ? "No such experiment" : "Could not load the analysis"}</p>
          <p className="mt-1">{analysis.error?.message}</p>
          {!notFound && (
            <button type="button" className={`mt-3 ${button}`} onClick={() => void analysis.refetch()}>
              Retry
            </button>
          )}
        </div>
      </div>
    );
  }
  return (
    <div className="space-y-8">
      {header}
      <AnalysisBody
        analysis={analysis.data}
        onRange={(from, to) => setQuery({ from, to })}
        scatterParameter={query.get("x")}
        onScatter={(x) => setQuery({ x })}
      />
    </div>
  );
}

function AnalysisSkeleton() {
  return (
    <Loading label="Loading the analysis…">
      <div className="space-y-6">
        <Skeleton className="h-9 w-80" />
        <Skeleton className="h-96 w-full" />
        <div className="grid gap-6 md:grid-cols-2">
          <Skeleton className="h-40" />
          <Skeleton className="h-40" />
        </div>
        <Skeleton className="h-80 w-full" />
      </div>
    </Loading>
  );
}

function AnalysisBody({
  analysis,
  onRange,
  scatterParameter,
  onScatter,
}: {
  analysis: Analysis;
  onRange(from: string | null, to: string | null): void;
  scatterParameter: string | null;
  onScatter(x: string): void;
}) {
  const id = useId();
  const { experiment, jobs, parameters } = analysis;
  const axes = useMemo(() => axesOf(parameters, jobs, experiment.metric), [parameters, jobs, experiment.metric]);
  const [brushes, setBrushes] = useState<Brushes>({});
  // Brushes of axes that are gone (another range of generations drew other axes) no longer apply.
  const liveBrushes = Object.fromEntries(Object.entries(brushes).filter(([key]) => axes.some((a) => a.key === key)));
  const anyBrush = Object.keys(liveBrushes).length > 0;
  const selectedJobs = useMemo(() => brushed(jobs, axes, liveBrushes), [jobs, axes, liveBrushes]);
  const selected = useMemo(() => new Set(selectedJobs.map((j) => j.id)), [selectedJobs]);

  if (!analysis.generations) {
    return (
      <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" data-testid="no-jobs">
        No finished jobs yet: the analysis fills in as jobs finish. The{" "}
        <Link href={experimentHref(experiment.name)} className={link}>
          overview
        </Link>{" "}
        shows the run live.
      </p>
    );
  }
  const { min, max } = analysis.generations;
  const generations = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const from = analysis.filter.fromGeneration ?? min;
  const to = analysis.filter.toGeneration ?? max;
  const scatterAxes = axes.filter((a) => a.key !== SCORE_AXIS);
  const scatterAxis = scatterAxes.find((a) => a.key === scatterParameter) ?? scatterAxes[0];
  const scoreAxis = axes.at(-1)!;
  const constants = parameters.filter((p) => p.kind === "constant");
  const members = [...new Set(selectedJobs.map((j) => j.member))].sort((a, b) => a - b);
  const better = (a: number, b: number) => (experiment.objective === "maximize" ? b - a : a - b);
  const top = selectedJobs
    .slice()
    .sort((a, b) => better(a.score, b.score))
    .slice(0, 8);
  // The URL holds a bound only when it narrows the range; the other bound follows when they would cross.
  const bound = (g: number, edge: number) => (g === edge ? null : String(g));
  const changeFrom = (g: number) => onRange(bound(g, min), bound(Math.max(g, to), max));
  const changeTo = (g: number) => onRange(bound(Math.min(g, from), min), bound(g, max));

  return (
    <>
      <div className="flex flex-wrap items-end gap-4">
        <GenerationSelect id={`${id}-from`} title="From generation" generations={generations} value={from} onChange={changeFrom} />
        <GenerationSelect id={`${id}-to`} title="To generation" generations={generations} value={to} onChange={changeTo} />
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="job-count">
          {analysis.totalJobs} finished jobs of generations {from}–{to}
          {jobs.length < analysis.totalJobs ? ` (${jobs.length} drawn, evenly chosen; the importance uses all)` : ""}; {experiment.objective}{" "}
          <code className="font-mono text-xs">{experiment.metric}</code>
        </p>
      </div>

      <section aria-labelledby="pc-heading" className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <h2 id="pc-heading" className={sectionHeading}>
            Hyperparameters against {experiment.metric}
          </h2>
          <div className="flex items-center gap-3 text-sm">
            <span className="text-zinc-600 dark:text-zinc-400" aria-live="polite" data-testid="selection">
              {anyBrush
                ? `${selectedJobs.length} of ${jobs.length} jobs selected, members ${members.join(", ") || "none"}`
                : "Drag along an axis to select jobs"}
            </span>
            <button type="button" className={button} onClick={() => setBrushes({})} disabled={!anyBrush}>
              Clear selection
            </button>
          </div>
        </div>
        <figure className="rounded-lg border border-zinc-200 p-2 dark:border-zinc-800">
          <ParallelCoordinates
            axes={axes}
            jobs={jobs}
            objective={experiment.objective}
            brushes={liveBrushes}
            onBrush={(key, range) =>
              setBrushes((b) => {
                const next = { ...b };
                if (range) next[key] = range;
                else delete next[key];
                return next;
              })
            }
            selected={selected}
          />
          <figcaption className="px-2 pt-1 text-xs text-zinc-600 dark:text-zinc-400">
            One line per finished job through its hyperparameters and its {experiment.metric}, coloured by its score&apos;s rank{" "}
            {/* The scale's key: its best end is dark on a light page and bright on a dark one. */}
            <span className="inline-flex items-center gap-1 align-middle">
              (worse
              <span aria-hidden className="inline-block h-2 w-16 rounded" style={{ background: SCORE_GRADIENT }} />
              better).
            </span>
            {constants.length > 0 && ` Never varied: ${constants.map((c) => `${c.name} = ${c.levels[0]}`).join(", ")}.`}
          </figcaption>
        </figure>
        {anyBrush && top.length > 0 && (
          <table className="text-sm" data-testid="selected-jobs">
            <caption className="text-left text-sm text-zinc-600 dark:text-zinc-400">Best of the selection</caption>
            <thead className="text-zinc-500 dark:text-zinc-400">
              <tr>
                <th scope="col" className="pr-4 text-left font-medium">
                  Job
                </th>
                <th scope="col" className="pr-4 text-right font-medium">
                  Member
                </th>
                <th scope="col" className="pr-4 text-right font-medium">
                  Generation
                </th>
                <th scope="col" className="pr-4 text-right font-medium">
                  {experiment.metric}
                </th>
              </tr>
            </thead>
            <tbody className="tabular-nums">
              {top.map((j) => (
                <tr key={j.id}>
                  <td className="pr-4">
                    <Link href={jobHref(j.id)} className={link}>
                      #{j.id}
                    </Link>
                  </td>
                  <td className="pr-4 text-right">{j.member}</td>
                  <td className="pr-4 text-right">{j.generation}</td>
                  <td className="pr-4 text-right">{formatScore(j.score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <ImportanceSection importance={analysis.importance} />

      {scatterAxis && (
        <section aria-labelledby="scatter-heading" className="space-y-3">
          <div className="flex flex-wrap items-end justify-between gap-3">
            <h2 id="scatter-heading" className={sectionHeading}>
              One hyperparameter against {experiment.metric}
            </h2>
            <div className="flex items-center gap-2">
              <label htmlFor={`${id}-x`} className="text-sm text-zinc-600 dark:text-zinc-400">
                Hyperparameter
              </label>
              <select id={`${id}-x`} className={`${input} w-auto`} value={scatterAxis.key} onChange={(e) => onScatter(e.target.value)}>
                {scatterAxes.map((a) => (
                  <option key={a.key} value={a.key}>
                    {a.key}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <ParameterScatter axis={scatterAxis} scoreAxis={scoreAxis} jobs={jobs} selected={anyBrush ? selected : null} generations={{ min: from, max: to }} />
        </section>
      )}
    </>
  );
}

/** One end of the generations analysed. */
function GenerationSelect(props: { id: string; title: string; generations: number[]; value: number; onChange(generation: number): void }) {
  return (
    <div>
      <label htmlFor={props.id} className={label}>
        {props.title}
      </label>
      <select id={props.id} className={`${input} mt-1 w-auto`} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {props.generations.map((g) => (
          <option key={g} value={g}>
            {g}
          </option>
        ))}
      </select>
    </div>
  );
}
