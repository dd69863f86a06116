"use client";
// The job page: hyperparameters, results, its lineage's curve of any reported metric, how it came
// to be (origin, donor, mutations), how long it ran, and its ancestry back to generation 0 as a
// small tree and a list of links. The metric shown is in the URL (?metric=).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { Breadcrumb } from "../breadcrumb";
import { coalescedRefetch } from "../live/throttle";
import { useExperimentLive } from "../live/use-experiment-live";
import { formatScore, formatValue } from "../format";
import { RelativeTime } from "../relative-time";
import { Loading, Skeleton } from "../skeleton";
import { jobHref } from "../routes";
import { useTRPC, type RouterOutputs } from "../trpc";
import { useQueryState } from "../url-state";
import { JobStatus } from "../experiment/population-table";
import { link, sectionHeading } from "../experiment/ui";
import { AncestryTree } from "./ancestry-tree";
import { formatDuration, jobDuration } from "./duration";
import { LineageCurve } from "./lineage-curve";
import { JobCheckpoint } from "../checkpoints/job-checkpoint";
import { JobActions } from "../lineage/job-actions";

type Detail = RouterOutputs["dashboard"]["job"];

/** Why a member exploited, in a sentence about it. */
const EXPLOIT_BECAUSE: Record<string, string> = {
  truncate: "ranked in the bottom of the population",
  tournament: "lost its tournament against a better member",
  exhausted: "had used up its retries (its run kept crashing)",
  diverged: "had diverged (its worker reported a non-finite metric)",
};

export function JobDetail({ id }: { id: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [query, setQuery] = useQueryState();
  const metric = query.get("metric") ?? undefined;
  const options = trpc.dashboard.job.queryOptions(
    { id, ...(metric ? { metric } : {}) },
    { retry: 1, staleTime: Infinity, placeholderData: (previous) => (previous?.job.id === id ? previous : undefined) },
  );
  const detail = useQuery(options);
  // Live: refetch when an event concerns this job (started, finished, crashed) or a job continuing from it.
  const startSeq = useRef<number | null>(null);
  if (startSeq.current === null && detail.data) startSeq.current = detail.data.experiment.lastEventSeq;
  const refresh = useMemo(
    // Every metric's answer for this job (the key without a metric is a prefix of theirs).
    () => coalescedRefetch(() => queryClient.invalidateQueries({ queryKey: trpc.dashboard.job.queryKey({ id }) }, { cancelRefetch: false }), 300),
    [queryClient, trpc, id],
  );
  useExperimentLive(detail.data?.experiment.name ?? "", startSeq.current, {
    onEvents(events) {
      if (events.some((e) => e.jobId === id || (e.type === "job.created" && e.data.parentId === id))) refresh();
    },
    onMetrics(messages) {
      if (messages.some((m) => m.jobId === id)) refresh();
    },
    onHeartbeats() {},
    onResumed: refresh,
  });
  if (detail.isPending) return <JobSkeleton id={id} />;
  if (!detail.data) {
    return (
      <div role="alert" className="rounded-lg border border-red-300 p-4 text-sm text-red-800 dark:border-red-900 dark:text-red-300">
        <h1 className="text-lg font-semibold">{detail.error?.data?.code === "NOT_FOUND" ? `No job #${id}` : "Could not load the job"}</h1>
        <p className="mt-1">{detail.error?.message}</p>
      </div>
    );
  }
  return <JobView detail={detail.data} onMetric={(m) => setQuery({ metric: m })} loadingCurve={detail.isPlaceholderData} />;
}

function JobSkeleton({ id }: { id: number }) {
  return (
    <Loading label={`Loading job ${id}…`}>
      <div className="space-y-6">
        <Skeleton className="h-4 w-40" />
        <Skeleton className="h-8 w-56" />
        <Skeleton className="h-24 w-full" />
        <Skeleton className="h-64 w-full" />
      </div>
    </Loading>
  );
}

/** The time now, every second while `live` (a running job's duration counts on). */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

const dt = "text-zinc-500 dark:text-zinc-400";

function JobView({ detail, onMetric, loadingCurve }: { detail: Detail; onMetric(metric: string): void; loadingCurve: boolean }) {
  const { job, experiment, ancestry, donor, children } = detail;
  const now = useNow(job.status === "running");
  const duration = jobDuration(job, now);
  return (
    <div className="space-y-8">
      <div>
        <Breadcrumb experiment={experiment.name} />
        <h1 className="text-2xl font-semibold tracking-tight">
          Job #{job.id}{" "}
          <span className="text-base font-normal">
            <JobStatus status={job.status} />
          </span>
        </h1>
        <dl className="mt-4 grid grid-cols-2 gap-4 rounded-lg border border-zinc-200 p-4 text-sm sm:grid-cols-5 dark:border-zinc-800">
          <div>
            <dt className={dt}>Member · generation</dt>
            <dd className="mt-1 tabular-nums">
              {job.member} · {job.generation}
              {job.attempt > 0 ? ` (attempt ${job.attempt + 1})` : ""}
            </dd>
          </div>
          <div>
            <dt className={dt}>Score ({experiment.metric})</dt>
            <dd className="mt-1 text-lg font-semibold tabular-nums">
              {job.diverged ? <span className="text-red-700 dark:text-red-400">diverged</span> : formatScore(job.score)}
            </dd>
          </div>
          <div>
            <dt className={dt}>Worker</dt>
            <dd className="mt-1">{job.workerId ?? "—"}</dd>
          </div>
          <div>
            <dt className={dt}>Duration</dt>
            <dd className="mt-1 tabular-nums" data-testid="duration">
              {duration ? `${formatDuration(duration.ms)}${duration.running ? " so far" : ""}` : "not started"}
            </dd>
          </div>
          <div>
            <dt className={dt}>Created · finished</dt>
            <dd className="mt-1">
              <RelativeTime iso={job.createdAt} /> · {job.finishedAt ? <RelativeTime iso={job.finishedAt} /> : "—"}
            </dd>
          </div>
        </dl>
        {job.error && (
          <pre className="mt-3 overflow-x-auto rounded-md bg-red-50 p-3 text-xs text-red-800 dark:bg-red-950/40 dark:text-red-300">{job.error}</pre>
        )}
      </div>

      <JobActions experiment={experiment.name} jobId={job.id} done={job.status === "done"} />

      <section aria-labelledby="origin-heading" className="space-y-2">
        <h2 id="origin-heading" className={sectionHeading}>
          How it came to be
        </h2>
        <p className="text-sm" data-testid="origin">
          {job.origin === "initial" && "Sampled from the initial distributions (generation 0)."}
          {job.origin === "manual" && "Pushed by hand."}
          {job.origin === "fork" && (
            <>
              Forked: continues job <ParentLink id={job.parentId} /> of another experiment, one generation deeper.
            </>
          )}
          {job.origin === "continue" && (
            <>
              Continues member {job.member}&apos;s job <ParentLink id={job.parentId} /> with the same hyperparameters.
            </>
          )}
          {job.origin === "exploit" && (
            <>
              <strong className="font-medium text-orange-700 dark:text-orange-400">Exploit:</strong> member {job.member}{" "}
              {EXPLOIT_BECAUSE[job.exploitReason ?? "truncate"]} and took the weights of member {donor?.member ?? "?"} (job <ParentLink id={job.donorJobId} />
              {donor ? `, generation ${donor.generation}, score ${formatScore(donor.score)}` : ""}), so this job is generation {job.generation}.
            </>
          )}
        </p>
        {job.mutations.length > 0 && (
          <table className="text-sm">
            <caption className="text-left text-sm text-zinc-600 dark:text-zinc-400">Explore changed:</caption>
            <thead className="text-zinc-500 dark:text-zinc-400">
              <tr>
                <th scope="col" className="pr-4 text-left font-medium">
                  Hyperparameter
                </th>
                <th scope="col" className="pr-4 text-right font-medium">
                  Old
                </th>
                <th scope="col" className="pr-4 text-right font-medium">
                  New
                </th>
                <th scope="col" className="text-left font-medium">
                  Operation
                </th>
              </tr>
            </thead>
            <tbody className="font-mono text-xs">
              {job.mutations.map((m) => (
                <tr key={m.parameter}>
                  <td className="pr-4">{m.parameter}</td>
                  <td className="pr-4 text-right">{formatValue(m.old)}</td>
                  <td className="pr-4 text-right">{formatValue(m.new)}</td>
                  <td>{m.operation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div className="grid gap-8 md:grid-cols-2">
        <section aria-labelledby="hp-heading" className="space-y-2">
          <h2 id="hp-heading" className={sectionHeading}>
            Hyperparameters
          </h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
            {Object.entries(job.hyperparameters).map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{k}</dt>
                <dd className="font-mono text-xs">{formatValue(v)}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="results-heading" className="space-y-2">
          <h2 id="results-heading" className={sectionHeading}>
            Results
          </h2>
          <pre className="max-h-64 overflow-auto rounded-md bg-zinc-100 p-3 text-xs dark:bg-zinc-900">{JSON.stringify(job.results, null, 2)}</pre>
        </section>
      </div>

      <section aria-labelledby="checkpoint-heading" className="space-y-2">
        <h2 id="checkpoint-heading" className={sectionHeading}>
          Checkpoint
        </h2>
        <JobCheckpoint jobId={job.id} checkpoint={job.checkpoint} />
      </section>

      <section aria-labelledby="curve-heading" className="space-y-2">
        <LineageCurve detail={detail} onMetric={onMetric} loading={loadingCurve} />
      </section>

      <section aria-labelledby="ancestry-heading" className="space-y-2">
        <h2 id="ancestry-heading" className={sectionHeading}>
          Ancestry
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          From generation 0 to this job, following each job&apos;s parent (dashed orange: an exploit, where the member took another&apos;s checkpoint), and the
          jobs that continue it.
        </p>
        <AncestryTree ancestry={ancestry} selfId={job.id} children={children} />
        <ol className="space-y-1 text-sm" aria-label="Ancestry, generation 0 first" data-testid="ancestry">
          {ancestry.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-2">
              {a.id === job.id ? (
                <span className="font-semibold" aria-current="page">
                  Job #{a.id}
                </span>
              ) : (
                <Link href={jobHref(a.id)} className={link}>
                  Job #{a.id}
                </Link>
              )}
              <span className="text-zinc-600 dark:text-zinc-400">
                member {a.member}, generation {a.generation}, {a.origin}
                {a.origin === "exploit" ? " ⤴" : ""}, score {formatScore(a.score)}
              </span>
            </li>
          ))}
        </ol>
        {children.length > 0 && (
          <p className="text-sm">
            Continued by:{" "}
            {children.map((c, i) => (
              <span key={c.id}>
                {i > 0 ? ", " : ""}
                <Link href={jobHref(c.id)} className={link}>
                  #{c.id}
                </Link>{" "}
                <span className="text-zinc-600 dark:text-zinc-400">
                  (member {c.member}, {c.origin})
                </span>
              </span>
            ))}
          </p>
        )}
      </section>
    </div>
  );
}

function ParentLink({ id }: { id: number | null }) {
  if (id === null) return <>—</>;
  return (
    <Link href={jobHref(id)} className={link}>
      #{id}
    </Link>
  );
}
