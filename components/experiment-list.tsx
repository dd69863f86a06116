"use client";
// The home page's table of experiments, newest first, a page at a time ("Show more" loads the
// next), refetched (throttled) when socket.io says one changed.
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect } from "react";
import { getSocket } from "./live/socket";
import { coalescedRefetch } from "./live/throttle";
import { CreateExperimentHint } from "./create-experiment-hint";
import { ExperimentStatusBadge } from "./experiment-status-badge";
import { formatScore } from "./format";
import { RelativeTime } from "./relative-time";
import { button } from "./experiment/ui";
import { experimentHref } from "./routes";
import { useTRPC, type RouterOutputs } from "./trpc";

type ExperimentSummary = RouterOutputs["experiments"]["list"]["items"][number];

/** At most one refetch per this long while experiments change. */
const REFRESH_MS = 500;
/** Experiments per page. */
const PAGE_SIZE = 50;

export function ExperimentList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const experiments = useInfiniteQuery(
    trpc.experiments.list.infiniteQueryOptions({ limit: PAGE_SIZE }, { staleTime: Infinity, getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );

  useEffect(() => {
    const socket = getSocket();
    const queryKey = trpc.experiments.list.infiniteQueryKey();
    const refresh = coalescedRefetch(() => queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false }), REFRESH_MS);
    // Rooms do not survive a reconnect: watch again, and catch up on what was missed.
    const watch = () => {
      socket.emit("watch-experiments");
      refresh();
    };
    socket.on("connect", watch);
    socket.on("experiments", refresh);
    if (socket.connected) socket.emit("watch-experiments");
    return () => {
      socket.off("connect", watch);
      socket.off("experiments", refresh);
      refresh.cancel();
    };
  }, [trpc, queryClient]);

  if (experiments.isPending) {
    return (
      <p role="status" className="text-sm text-zinc-500 dark:text-zinc-400">
        Loading experiments…
      </p>
    );
  }
  // A failed refetch keeps the last data (status "error" with data): show both.
  const failure = experiments.error && (
    <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-400">
      Could not load the experiments: {experiments.error.message}. Reload the page to try again.
    </p>
  );
  if (experiments.data === undefined) return failure;
  const list = experiments.data.pages.flatMap((page) => page.items);
  if (list.length === 0) {
    return (
      <>
        {failure}
        <CreateExperimentHint />
      </>
    );
  }
  return (
    <>
      {failure}
      <ExperimentTable experiments={list} />
      {experiments.hasNextPage && (
        <button
          type="button"
          className={`mt-3 ${button}`}
          onClick={() => void experiments.fetchNextPage()}
          disabled={experiments.isFetchingNextPage}
        >
          {experiments.isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      )}
    </>
  );
}

const th = "px-3 py-2 text-left font-medium whitespace-nowrap";
const thNumber = "px-3 py-2 text-right font-medium whitespace-nowrap";
const td = "px-3 py-2 whitespace-nowrap";
const tdNumber = "px-3 py-2 text-right whitespace-nowrap tabular-nums";

function ExperimentTable({ experiments }: { experiments: ExperimentSummary[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">Experiments</caption>
        <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
          <tr>
            <th scope="col" className={th}>Name</th>
            <th scope="col" className={th}>Status</th>
            <th scope="col" className={th}>Objective (metric)</th>
            <th scope="col" className={thNumber}>Best score</th>
            <th scope="col" className={thNumber}>Population</th>
            <th scope="col" className={th}>Progress</th>
            <th scope="col" className={thNumber}>Running jobs</th>
            <th scope="col" className={th}>Created</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {experiments.map((experiment) => (
            <ExperimentRow key={experiment.id} experiment={experiment} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExperimentRow({ experiment: e }: { experiment: ExperimentSummary }) {
  const totalGenerations = e.populationSize * e.maxGenerations;
  const progress = e.status === "done" ? 1 : totalGenerations > 0 ? Math.min(1, e.generationsReached / totalGenerations) : 0;
  return (
    <tr className="hover:bg-zinc-50 dark:hover:bg-zinc-900/50">
      <th scope="row" className={`${td} text-left font-medium`}>
        <Link
          href={experimentHref(e.name)}
          className="rounded text-emerald-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:text-emerald-400"
        >
          {e.name}
        </Link>
      </th>
      <td className={td}>
        <ExperimentStatusBadge status={e.status} />
      </td>
      <td className={td}>
        {e.objective} <code className="font-mono text-xs">{e.metric}</code>
      </td>
      <td className={tdNumber}>{formatScore(e.bestScore)}</td>
      <td className={tdNumber}>
        {e.members}/{e.populationSize}
      </td>
      <td className={td}>
        <div className="flex items-center gap-2">
          <div aria-hidden className="h-1.5 w-20 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800">
            <div className="h-full bg-emerald-500" style={{ width: `${progress * 100}%` }} />
          </div>
          <span className="tabular-nums" title="generations reached by the members' lineages / population × generations">
            {e.generationsReached}/{totalGenerations}
          </span>
        </div>
      </td>
      <td className={tdNumber}>{e.runningJobs}</td>
      <td className={td}>
        <RelativeTime iso={e.createdAt} />
      </td>
    </tr>
  );
}
