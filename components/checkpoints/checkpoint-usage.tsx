"use client";
// An experiment's checkpoints on the server, for the experiment page: the space they take, what
// garbage collection freed, and the best job's checkpoint to download. Refetched as the page's
// live events arrive (`version`: the last event seq it has seen), at most every few seconds.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useThrottled } from "../live/use-throttled";
import { experimentApiPath, jobHref } from "../routes";
import { useTRPC } from "../trpc";
import { button, link, sectionHeading } from "../experiment/ui";
import { formatScore } from "../format";
import { formatBytes } from "./format";

const REFRESH_MS = 3_000;

export function CheckpointUsage({ name, version }: { name: string; version?: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = trpc.checkpoints.usage.queryOptions({ name }, { staleTime: Infinity, retry: 1 });
  const usage = useQuery(options);
  const seen = useThrottled(version, REFRESH_MS);
  useEffect(() => {
    if (seen !== undefined) void queryClient.invalidateQueries({ queryKey: trpc.checkpoints.usage.queryKey({ name }) }, { cancelRefetch: false });
  }, [seen, queryClient, trpc, name]);

  const data = usage.data;
  return (
    <div className="space-y-3" data-testid="checkpoint-usage">
      <h2 id="checkpoints-heading" className={sectionHeading}>
        Checkpoints
      </h2>
      {!data ? (
        <p className="text-sm text-zinc-500">{usage.isError ? "Could not load the checkpoints." : "Loading…"}</p>
      ) : data.stored.count + data.deleted.count === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No checkpoint uploaded to the server (workers may keep their own).</p>
      ) : (
        <>
          <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
            <dt className="text-zinc-500 dark:text-zinc-400">Stored</dt>
            <dd className="tabular-nums">
              {formatBytes(data.stored.bytes)} in {data.stored.count}
              {data.pinned > 0 ? ` (${data.pinned} pinned)` : ""}
            </dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Freed</dt>
            <dd className="tabular-nums">
              {formatBytes(data.deleted.bytes)} in {data.deleted.count} deleted by garbage collection
            </dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Keeps</dt>
            <dd>
              {data.retain === "all" ? "every checkpoint" : `what a later job may load${data.keepLast ? `, and each member's last ${data.keepLast}` : ""}`}
            </dd>
          </dl>
          {data.best?.checkpoint && data.best.checkpoint.deletedAt === null && (
            <p className="text-sm">
              <a className={button} href={`${experimentApiPath(name)}/best-checkpoint`} download>
                Best checkpoint ({formatBytes(data.best.checkpoint.size)})
              </a>{" "}
              <span className="text-zinc-600 dark:text-zinc-400">
                of{" "}
                <a className={link} href={jobHref(data.best.jobId)}>
                  job #{data.best.jobId}
                </a>
                , score {formatScore(data.best.score)}
              </span>
            </p>
          )}
        </>
      )}
    </div>
  );
}
