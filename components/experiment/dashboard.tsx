"use client";
// The experiment page: header and controls, the traced lineage (the best one unless a job is
// chosen: highlighted in the curves, the tree and the schedules at once), score curves, lineage
// tree, hyperparameter schedules, population table, event feed and exports, kept live by socket.io. Job events are applied
// to the loaded overview once per animation frame (live-overview.ts) and drawn at once in the
// header, the lineage tree and the feed; the heavier panels redraw from it less often (the table
// every TABLE_MS, the charts every CHARTS_MS). Metric points go into the curves' cache; a throttled refetch of the read models
// brings what events do not carry (the best lineage, downsampled curves). Nothing polls.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { LiveEvent, LiveMetrics } from "../live/socket";
import { coalescedRefetch } from "../live/throttle";
import { useExperimentLive } from "../live/use-experiment-live";
import { useThrottled } from "../live/use-throttled";
import { useTRPC } from "../trpc";
import { ExperimentViewsNav } from "../analysis/views-nav";
import { EventFeed, FEED_LIMIT } from "./event-feed";
import { ExperimentActions } from "../lineage/experiment-actions";
import { Exports } from "./exports";
import { CheckpointUsage } from "../checkpoints/checkpoint-usage";
import { ExperimentHeader } from "./header";
import { LineageTree } from "./lineage-tree";
import { LiveOverview } from "./live-overview";
import { PopulationTable } from "./population-table";
import { ScoreCurves } from "./score-curves";
import { HyperparameterSchedules } from "./schedules";
import type { Curves } from "./types";
import { SelectionStyle } from "./selection-style";
import { tracedJobId, useViewState } from "./view-state";
import { indexLineage, traceLineage, type Trace } from "./trace";
import { TraceBar } from "./trace-bar";
import { ExperimentSkeleton, FailedLoad } from "./load-states";
import { OfflineBanner } from "./offline-banner";
import { FinishedSummary } from "./finished-summary";
import { StartWorker } from "./start-worker";

/**
 * Refetch the overview at most this often; large populations (thousands of jobs) less often.
 * Events keep the page current in between; the refetch brings the best lineage and corrects.
 */
const overviewRefreshMs = (jobs: number) => Math.min(5_000, 1_000 + Math.floor(jobs / 4));
const CURVES_REFRESH_MS = 2_000;
/**
 * How often the charts and the table redraw from the live data. A redraw of the charts (recharts,
 * a line per member) takes tens to hundreds of milliseconds on a busy machine, and nothing else
 * on the page can draw meanwhile: both charts redraw together, every CHARTS_MS.
 */
const CHARTS_MS = 2_000;
const TABLE_MS = 500;
const chartsKind = (c: { overview: unknown; curves: Curves | undefined }) => `${c.overview === undefined}/${c.curves?.metric}/${c.curves?.x}`;
/** Events that change what the curves show beyond the points streamed to the cache. */
const CURVE_EVENTS = new Set(["job.finished", "exploit", "job.created"]);

export function ExperimentDashboard({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [view, setView] = useViewState();
  // What the panels get of the view: the same object while only the trace changes (they get the
  // trace apart, and never read view.trace), so tracing a job does not render the table's rows
  // and the curves' controls again.
  const untracedKey = JSON.stringify({ ...view, trace: null });
  const panelView = useMemo(() => view, [untracedKey]);

  // A failed first load retries by itself (load-states.tsx), with a visible countdown.
  const overviewOptions = trpc.dashboard.overview.queryOptions({ name }, { staleTime: Infinity, retry: false });
  const overview = useQuery(overviewOptions);
  const curvesInput = { name, ...(view.metric ? { metric: view.metric } : {}), ...(view.x !== "step" ? { x: view.x } : {}) };
  const curvesOptions = trpc.dashboard.curves.queryOptions(curvesInput, { staleTime: Infinity, placeholderData: (previous) => previous });
  const curves = useQuery(curvesOptions);

  const [feed, setFeed] = useState<LiveEvent[]>([]);
  // The overview shown: the last fetched one with the events received since on top.
  const [model] = useState(() => new LiveOverview());
  const [liveVersion, setLiveVersion] = useState(0);
  const live = useMemo(
    () => (overview.data ? model.rebase(overview.data) : undefined),
    // liveVersion: the model applied events or heartbeats.
    [model, overview.data, liveVersion],
  );
  const chartInputs = useMemo(() => ({ overview: live, curves: curves.data }), [live, curves.data]);
  // At once: the first overview and curves, and the curves of another metric (the user chose it).
  const forCharts = useThrottled(chartInputs, CHARTS_MS, chartsKind);
  const forTable = useThrottled(live, TABLE_MS, (o) => o === undefined);
  // The first join replays the last FEED_LIMIT events for the feed; later joins resume.
  const startSeq = overview.data ? Math.max(0, overview.data.experiment.lastEventSeq - FEED_LIMIT) : null;
  const startSeqRef = useRef<number | null>(null);
  if (startSeqRef.current === null && startSeq !== null) startSeqRef.current = startSeq;

  const lineage = useMemo(() => indexLineage(live?.jobs ?? []), [live?.jobs]);
  const tracedId = live ? tracedJobId(view, live, (id) => lineage.byId.has(id)) : null;
  const trace = useStableTrace(useMemo(() => (tracedId === null ? null : traceLineage(lineage, tracedId)), [lineage, tracedId]));
  const parentOf = useCallback((id: number) => lineage.byId.get(id)?.parentId ?? null, [lineage]);
  const onTrace = useCallback((id: number) => setView({ trace: id }), [setView]);
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    if (overview.errorUpdatedAt > 0) setFailures((n) => n + 1);
  }, [overview.errorUpdatedAt]);
  const retry = useCallback(() => void overview.refetch(), [overview]);

  const jobCount = Math.round((overview.data?.window.totalJobs ?? 0) / 500) * 500;
  const refresh = useMemo(() => {
    const overviewKey = trpc.dashboard.overview.queryKey({ name });
    const resultsKey = trpc.dashboard.results.queryKey({ name });
    const curvesKey = trpc.dashboard.curves.queryKey({ name });
    return {
      // The table's result columns (read only while shown) follow the overview.
      overview: coalescedRefetch(
        () =>
          Promise.all([
            queryClient.invalidateQueries({ queryKey: overviewKey }, { cancelRefetch: false }),
            queryClient.invalidateQueries({ queryKey: resultsKey }, { cancelRefetch: false }),
          ]),
        overviewRefreshMs(jobCount),
      ),
      curves: coalescedRefetch(() => queryClient.invalidateQueries({ queryKey: curvesKey }, { cancelRefetch: false }), CURVES_REFRESH_MS),
    };
  }, [trpc, queryClient, name, jobCount]);
  useEffect(
    () => () => {
      refresh.overview.cancel();
      refresh.curves.cancel();
    },
    [refresh],
  );

  const { connection } = useExperimentLive(name, startSeqRef.current, {
    onEvents(events) {
      setFeed((previous) => [...events.slice().reverse(), ...previous].slice(0, FEED_LIMIT));
      // Replayed events older than what the page loaded change nothing.
      const loadedSeq = overview.data?.experiment.lastEventSeq ?? 0;
      const fresh = events.filter((e) => e.seq > loadedSeq);
      if (fresh.length === 0) return;
      if (model.apply(fresh)) setLiveVersion((v) => v + 1);
      refresh.overview();
      if (fresh.some((e) => CURVE_EVENTS.has(e.type))) refresh.curves();
    },
    onMetrics(messages) {
      queryClient.setQueryData(curvesOptions.queryKey, (current) => (current ? appendPoints(current, messages) : current));
    },
    onHeartbeats(messages) {
      if (model.heartbeats(messages)) setLiveVersion((v) => v + 1);
    },
    onResumed() {
      refresh.overview();
      refresh.curves();
    },
  });

  if (!live) {
    if (overview.isPending && !overview.isError) return <ExperimentSkeleton name={name} />;
    return (
      <FailedLoad
        name={name}
        message={overview.error?.message ?? "no answer"}
        notFound={overview.error?.data?.code === "NOT_FOUND"}
        failures={failures}
        retrying={overview.isFetching}
        onRetry={retry}
      />
    );
  }
  // The throttled copies lag at most CHARTS_MS / TABLE_MS behind, and are there from the first draw.
  const charts = forCharts.overview ?? live;
  const table = forTable ?? live;
  return (
    <div className="space-y-8" data-selection={view.members.length > 0 ? "" : undefined} data-page-wide>
      <SelectionStyle members={view.members} />
      <OfflineBanner connection={connection} />
      <ExperimentHeader overview={live} connection={connection} />
      <ExperimentViewsNav name={name} view="overview" />
      <FinishedSummary overview={live} />
      {live.experiment.status !== "done" && live.progress.done === 0 && live.progress.running === 0 && live.members.every((m) => m.workerId === null) && (
        <StartWorker name={name} metric={live.experiment.config.metric} />
      )}
      <section aria-labelledby="lineage-actions-heading">
        <ExperimentActions overview={live} />
      </section>
      <TraceBar
        trace={trace}
        job={tracedId === null ? undefined : lineage.byId.get(tracedId)}
        isBest={tracedId === live.best?.jobId}
        onReset={() => setView({ trace: null })}
      />
      <section aria-labelledby="curves-heading">
        <ScoreCurves
          overview={charts}
          curves={forCharts.curves}
          loading={curves.isPending}
          error={curves.error?.message ?? null}
          view={panelView}
          setView={setView}
          trace={trace}
          onTrace={onTrace}
          parentOf={parentOf}
        />
      </section>
      <section aria-labelledby="tree-heading">
        <LineageTree overview={live} trace={trace} onTrace={onTrace} />
      </section>
      <section aria-labelledby="schedules-heading">
        <HyperparameterSchedules overview={charts} trace={trace} />
      </section>
      <section aria-labelledby="population-heading">
        <PopulationTable overview={table} view={panelView} setView={setView} />
      </section>
      <div className="grid gap-8 lg:grid-cols-3">
        <section aria-labelledby="events-heading" className="lg:col-span-2">
          <EventFeed events={feed} />
        </section>
        <section aria-labelledby="exports-heading" className="space-y-8">
          <Exports name={name} />
          <CheckpointUsage name={name} version={live?.experiment.lastEventSeq} />
        </section>
      </div>
    </div>
  );
}

/**
 * The trace as one object while it holds the same jobs: a lineage only grows (new descendants),
 * so its job, ancestors and descendants counts say whether it changed. The memoised charts then
 * redraw when the trace does, not on every live update.
 */
function useStableTrace(trace: Trace | null): Trace | null {
  const previous = useRef<Trace | null>(null);
  const key = (t: Trace | null) => (t ? `${t.jobId}/${t.ancestors.length}/${t.descendants.length}` : "");
  if (key(trace) !== key(previous.current)) previous.current = trace;
  return previous.current;
}

/** Streams live metric points into the cached curves (they are re-downsampled on the next refetch). */
function appendPoints(curves: Curves, messages: LiveMetrics[]): Curves {
  if (curves.x !== "step") return curves;
  const series = new Map(curves.series.map((s) => [s.member, s]));
  let added = 0;
  for (const message of messages) {
    // Non-finite values of a diverged run ("NaN", "Infinity") have no place on a line.
    const points = message.points.flatMap((p) => {
      const value = p.values[curves.metric];
      return typeof value === "number" ? [{ step: p.step, value }] : [];
    });
    if (points.length === 0) continue;
    const existing = series.get(message.member);
    series.set(message.member, {
      member: message.member,
      points: [...(existing?.points ?? []), ...points],
      jobIds: [...(existing?.jobIds ?? []), ...points.map(() => message.jobId)],
    });
    added += points.length;
  }
  if (added === 0) return curves;
  return { ...curves, totalPoints: curves.totalPoints + added, series: [...series.values()].sort((a, b) => a.member - b.member) };
}
