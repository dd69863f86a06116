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
import type { Curves, JobNode, Overview } from "./types";
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
  // Events newer than the loaded overview are applied on top of it until a refetch includes
  // them: a refetch answered from a snapshot older than an event must not undo what it showed.
  const recentEvents = useRef<LiveEvent[]>([]);
  const [eventsVersion, setEventsVersion] = useState(0);
  const live = useMemo(() => {
    if (!overview.data) return undefined;
    const loadedSeq = overview.data.experiment.lastEventSeq;
    return applyJobEvents(overview.data, recentEvents.current.filter((e) => e.seq > loadedSeq));
    // eventsVersion: recentEvents (a ref) changed.
  }, [overview.data, eventsVersion]);
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
      // Drawn at once from the events (see `live` below); the refetch that follows brings the rest.
      recentEvents.current = [...recentEvents.current, ...fresh].slice(-RECENT_EVENTS);
      setEventsVersion((v) => v + 1);
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
  const data = live ?? overview.data;
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

/** How many recent events are kept to re-apply on top of a refetched overview. */
const RECENT_EVENTS = 5000;

const EVENT_STATUS: Record<string, JobNode["status"]> = { "job.started": "running", "job.finished": "done", "job.crashed": "crashed" };

/**
 * What job events say, applied to the loaded overview: new jobs (as tree nodes and their member's
 * row), status changes, scores, donors, the experiment's status. The best lineage and anything
 * else comes with the refetch that follows.
 */
function applyJobEvents(overview: Overview, events: LiveEvent[]): Overview {
  const relevant = events.some((e) => e.type === "experiment.status" || e.type === "exploit" || e.type === "job.created" || EVENT_STATUS[e.type]);
  if (!relevant) return overview;
  const progress = { ...overview.progress };
  const count = (status: JobNode["status"], delta: number) => {
    if (status === "done") progress.done += delta;
    else if (status === "running") progress.running += delta;
    else if (status === "queued") progress.queued += delta;
    else if (status === "crashed") progress.crashed += delta;
  };
  const jobs = new Map(overview.jobs.map((j) => [j.id, j]));
  const members = new Map(overview.members.map((m) => [m.member, m]));
  let experiment = overview.experiment;
  for (const e of events) {
    const d = e.data;
    if (e.type === "experiment.status") {
      experiment = { ...experiment, status: d.to as Overview["experiment"]["status"] };
      continue;
    }
    if (e.jobId === null) continue;
    const job = jobs.get(e.jobId);
    if (e.type === "job.created" && !job && e.member !== null) {
      const node: JobNode = {
        id: e.jobId,
        member: e.member,
        generation: d.generation as number,
        attempt: d.attempt as number,
        status: d.status as JobNode["status"],
        score: null,
        parentId: (d.parentId as number | null) ?? null,
        origin: d.origin as JobNode["origin"],
        donorJobId: null,
        hyperparameters: (d.hyperparameters ?? {}) as JobNode["hyperparameters"],
      };
      jobs.set(node.id, node);
      count(node.status, +1);
      const row = members.get(node.member);
      if (row) members.set(node.member, { ...row, jobId: node.id, generation: node.generation, status: node.status, hyperparameters: node.hyperparameters });
    } else if (e.type === "exploit" && job) {
      jobs.set(job.id, { ...job, donorJobId: (d.donorJobId as number | null) ?? null });
    } else if (EVENT_STATUS[e.type] && job && job.status !== EVENT_STATUS[e.type]) {
      const status = EVENT_STATUS[e.type]!;
      const score = typeof d.score === "number" ? d.score : job.score;
      count(job.status, -1);
      count(status, +1);
      jobs.set(job.id, { ...job, status, score });
      const row = members.get(job.member);
      if (row && row.jobId === job.id) {
        members.set(job.member, status === "done" ? { ...row, status, score, scoreGeneration: job.generation } : { ...row, status });
      }
    }
  }
  return { ...overview, experiment, progress, jobs: [...jobs.values()], members: [...members.values()] };
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
