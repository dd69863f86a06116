"use client";
// The experiment page's header: status, best job, progress, and the controls (pause, resume,
// stop, clone, push a job by hand).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ExperimentStatusBadge } from "../experiment-status-badge";
import { formatScore } from "../format";
import type { Connection } from "../live/use-experiment-live";
import { jobHref, newExperimentHref } from "../routes";
import { useTRPC } from "../trpc";
import { PushJobForm } from "./push-job-form";
import type { Overview } from "./types";
import { button, buttonPrimary } from "./ui";

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: "connecting…",
  live: "live",
  offline: "reconnecting…",
  error: "live updates unavailable",
};

export function ExperimentHeader({ overview, connection }: { overview: Overview; connection: Connection }) {
  // Controls need the server: disabled while the connection is down (the banner says so).
  const offline = connection === "offline" || connection === "error";
  const { experiment, progress, best } = overview;
  const config = experiment.config;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const setStatus = useMutation(
    trpc.experiments.setStatus.mutationOptions({
      onSuccess: () => {
        setError(null);
        void queryClient.invalidateQueries({ queryKey: trpc.dashboard.overview.queryKey({ name: experiment.name }) });
      },
      onError: (e) => setError(e.message),
    }),
  );
  const change = (status: "running" | "paused" | "done") => {
    if (status === "done" && !window.confirm(`Stop "${experiment.name}"? Queued jobs are pruned; it cannot be resumed.`)) return;
    setStatus.mutate({ name: experiment.name, status });
  };
  // Lineage depth reached, not jobs: a copy jumps with its donor, so the number of jobs varies.
  const fraction = experiment.status === "done" ? 1 : progress.total > 0 ? Math.min(1, progress.reached / progress.total) : 0;

  return (
    <header className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight break-words">{experiment.name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-zinc-600 dark:text-zinc-400">
            <span data-testid="experiment-status">
              <ExperimentStatusBadge status={experiment.status} />
            </span>
            <span>
              {config.objective} <code className="font-mono">{config.metric}</code>
            </span>
            <span>
              {config.populationSize} members × {config.stop.maxGenerations} generations, {config.mode}, exploit {config.exploit.kind}
              {config.exploit.kind === "truncate" ? ` ${config.exploit.fraction}` : ""}
            </span>
            <span role="status" aria-live="polite" className="inline-flex items-center gap-1.5" data-testid="connection">
              <span
                aria-hidden
                className={`inline-block size-2 rounded-full ${connection === "live" ? "bg-emerald-500" : connection === "error" ? "bg-red-500" : "bg-amber-500"}`}
              />
              {CONNECTION_TEXT[connection]}
            </span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Controls">
          {experiment.status === "running" && (
            <button type="button" className={button} onClick={() => change("paused")} disabled={setStatus.isPending || offline}>
              Pause
            </button>
          )}
          {experiment.status === "paused" && (
            <button type="button" className={buttonPrimary} onClick={() => change("running")} disabled={setStatus.isPending || offline}>
              Resume
            </button>
          )}
          {experiment.status !== "done" && (
            <button type="button" className={button} onClick={() => change("done")} disabled={setStatus.isPending || offline}>
              Stop
            </button>
          )}
          <Link href={newExperimentHref(experiment.name)} className={button} aria-disabled={offline || undefined}>
            Clone
          </Link>
        </div>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <dl className="grid grid-cols-2 gap-4 rounded-lg border border-zinc-200 p-4 text-sm sm:grid-cols-4 dark:border-zinc-800">
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Best score</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums" data-testid="best-score">
            {formatScore(best?.score ?? null)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Best job</dt>
          <dd className="mt-1" data-testid="best-job">
            {best ? (
              <Link href={jobHref(best.jobId)} className="font-medium text-emerald-700 underline-offset-2 hover:underline dark:text-emerald-400">
                #{best.jobId}
              </Link>
            ) : (
              "—"
            )}
            {best && (
              <span className="text-zinc-500 dark:text-zinc-400">
                {" "}
                member {best.member}, gen {best.generation}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Progress</dt>
          <dd className="mt-1">
            <div className="flex items-center gap-2">
              <div
                role="progressbar"
                aria-label="Generations reached"
                aria-valuemin={0}
                aria-valuemax={progress.total}
                aria-valuenow={progress.reached}
                className="h-2 w-24 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
              >
                <div className="h-full bg-emerald-500 transition-[width]" style={{ width: `${fraction * 100}%` }} />
              </div>
              <span className="tabular-nums" data-testid="progress" title="generations reached by the members' lineages / population × generations">
                {progress.reached}/{progress.total}
              </span>
              <span className="text-zinc-500 tabular-nums dark:text-zinc-400">
                · <span data-testid="jobs-done">{progress.done}</span> jobs
              </span>
            </div>
          </dd>
        </div>
        <div>
          <dt className="text-zinc-500 dark:text-zinc-400">Jobs</dt>
          <dd className="mt-1 tabular-nums">
            {progress.running} running, {progress.queued} queued
            {progress.crashed > 0 && <span className="text-red-700 dark:text-red-400">, {progress.crashed} crashed</span>}
          </dd>
        </div>
      </dl>
      {experiment.status !== "done" && <PushJobForm overview={overview} offline={offline} />}
    </header>
  );
}
