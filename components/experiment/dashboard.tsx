"use client";
// The experiment page: header and controls, score curves, hyperparameter schedules, lineage
// tree, population table, event feed and exports, kept live by socket.io. Socket messages
// update the query caches (metric points, heartbeats) or trigger a throttled refetch of the
// affected read model; nothing polls.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { LiveEvent, LiveHeartbeat, LiveMetrics } from "../live/socket";
import { coalescedRefetch } from "../live/throttle";
import { useExperimentLive } from "../live/use-experiment-live";
import { useTRPC } from "../trpc";
import { EventFeed, FEED_LIMIT } from "./event-feed";
import { Exports } from "./exports";
import { ExperimentHeader } from "./header";
import { LineageTree } from "./lineage-tree";
import { PopulationTable } from "./population-table";
import { ScoreCurves } from "./score-curves";
import { HyperparameterSchedules } from "./schedules";
import type { Curves, Overview } from "./types";
import { SelectionStyle } from "./selection-style";
import { useViewState } from "./view-state";

/** Refetch the overview at most this often; large populations (thousands of jobs) less often. */
const overviewRefreshMs = (jobs: number) => Math.min(2_000, 300 + Math.floor(jobs / 8));
const CURVES_REFRESH_MS = 1_000;
/** Events that change what the curves show beyond the points streamed to the cache. */
const CURVE_EVENTS = new Set(["job.finished", "exploit", "job.created"]);

export function ExperimentDashboard({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [view, setView] = useViewState();

  const overviewOptions = trpc.dashboard.overview.queryOptions({ name }, { staleTime: Infinity, retry: 1 });
  const overview = useQuery(overviewOptions);
  const curvesInput = { name, ...(view.metric ? { metric: view.metric } : {}) };
  const curvesOptions = trpc.dashboard.curves.queryOptions(curvesInput, { staleTime: Infinity, placeholderData: (previous) => previous });
  const curves = useQuery(curvesOptions);

  const [feed, setFeed] = useState<LiveEvent[]>([]);
  // The first join replays the last FEED_LIMIT events for the feed; later joins resume.
  const startSeq = overview.data ? Math.max(0, overview.data.experiment.lastEventSeq - FEED_LIMIT) : null;
  const startSeqRef = useRef<number | null>(null);
  if (startSeqRef.current === null && startSeq !== null) startSeqRef.current = startSeq;

  const jobCount = Math.round((overview.data?.jobs.length ?? 0) / 500) * 500;
  const refresh = useMemo(() => {
    const overviewKey = trpc.dashboard.overview.queryKey({ name });
    const curvesKey = trpc.dashboard.curves.queryKey({ name });
    return {
      overview: coalescedRefetch(() => queryClient.invalidateQueries({ queryKey: overviewKey }, { cancelRefetch: false }), overviewRefreshMs(jobCount)),
      curves: coalescedRefetch(() => queryClient.invalidateQueries({ queryKey: curvesKey }, { cancelRefetch: false }), CURVES_REFRESH_MS),
    };
  }, [trpc, queryClient, name, jobCount]);
  useEffect(() => () => {
    refresh.overview.cancel();
    refresh.curves.cancel();
  }, [refresh]);

  const { connection } = useExperimentLive(name, startSeqRef.current, {
    onEvents(events) {
      setFeed((previous) => [...events.slice().reverse(), ...previous].slice(0, FEED_LIMIT));
      // Replayed events older than what the page loaded change nothing.
      const loadedSeq = overview.data?.experiment.lastEventSeq ?? 0;
      const fresh = events.filter((e) => e.seq > loadedSeq);
      if (fresh.length === 0) return;
      refresh.overview();
      if (fresh.some((e) => CURVE_EVENTS.has(e.type))) refresh.curves();
    },
    onMetrics(messages) {
      queryClient.setQueryData(curvesOptions.queryKey, (current) => (current ? appendPoints(current, messages) : current));
    },
    onHeartbeats(messages) {
      queryClient.setQueryData(overviewOptions.queryKey, (current) => (current ? applyHeartbeats(current, messages) : current));
    },
    onResumed() {
      refresh.overview();
      refresh.curves();
    },
  });

  if (overview.isPending) {
    return (
      <p role="status" className="text-sm text-zinc-500 dark:text-zinc-400">
        Loading the experiment…
      </p>
    );
  }
  if (!overview.data) {
    const notFound = overview.error?.data?.code === "NOT_FOUND";
    return (
      <div role="alert" className="rounded-lg border border-red-300 p-4 text-sm text-red-800 dark:border-red-900 dark:text-red-300">
        <h1 className="text-lg font-semibold">{notFound ? "No such experiment" : "Could not load the experiment"}</h1>
        <p className="mt-1">{overview.error?.message}</p>
      </div>
    );
  }
  const data = overview.data;
  return (
    <div className="space-y-8" data-selection={view.members.length > 0 ? "" : undefined}>
      <SelectionStyle members={view.members} />
      <ExperimentHeader overview={data} connection={connection} />
      <section aria-labelledby="curves-heading">
        <ScoreCurves
          overview={data}
          curves={curves.data}
          loading={curves.isPending}
          error={curves.error?.message ?? null}
          view={view}
          setView={setView}
        />
      </section>
      <section aria-labelledby="schedules-heading">
        <HyperparameterSchedules overview={data} view={view} setView={setView} />
      </section>
      <section aria-labelledby="tree-heading">
        <LineageTree overview={data} />
      </section>
      <section aria-labelledby="population-heading">
        <PopulationTable overview={data} view={view} setView={setView} />
      </section>
      <div className="grid gap-8 lg:grid-cols-3">
        <section aria-labelledby="events-heading" className="lg:col-span-2">
          <EventFeed events={feed} />
        </section>
        <section aria-labelledby="exports-heading">
          <Exports name={name} />
        </section>
      </div>
    </div>
  );
}

/** Streams live metric points into the cached curves (they are re-downsampled on the next refetch). */
function appendPoints(curves: Curves, messages: LiveMetrics[]): Curves {
  if (curves.x !== "step") return curves;
  const series = new Map(curves.series.map((s) => [s.member, s]));
  let added = 0;
  for (const message of messages) {
    const points = message.points
      .filter((p) => typeof p.values[curves.metric] === "number")
      .map((p) => ({ step: p.step, value: p.values[curves.metric]! }));
    if (points.length === 0) continue;
    const existing = series.get(message.member);
    series.set(message.member, { member: message.member, points: [...(existing?.points ?? []), ...points] });
    added += points.length;
  }
  if (added === 0) return curves;
  return { ...curves, totalPoints: curves.totalPoints + added, series: [...series.values()].sort((a, b) => a.member - b.member) };
}

function applyHeartbeats(overview: Overview, messages: LiveHeartbeat[]): Overview {
  const latest = new Map(messages.map((m) => [m.member, m]));
  return {
    ...overview,
    members: overview.members.map((row) => {
      const beat = latest.get(row.member);
      return beat && beat.jobId === row.jobId ? { ...row, heartbeatAt: beat.at } : row;
    }),
  };
}
