"use client";
// A finished experiment at a glance: its best job and score, the gain over the best of
// generation 0, how many exploits it took, how long it ran, and where the best checkpoint is.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatScore, formatValue } from "../format";
import { jobHref } from "../routes";
import { useTRPC } from "../trpc";
import type { Overview } from "./types";

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The best score of generation 0 (null when the page does not hold it, or none finished). */
export function generationZeroBest(overview: Overview): number | null {
  const maximize = overview.experiment.config.objective === "maximize";
  let best: number | null = null;
  for (const j of overview.jobs) {
    if (j.generation !== 0 || j.status !== "done" || j.score === null) continue;
    if (best === null || (maximize ? j.score > best : j.score < best)) best = j.score;
  }
  return best;
}

export function FinishedSummary({ overview }: { overview: Overview }) {
  const trpc = useTRPC();
  const { experiment, best } = overview;
  const bestJob = useQuery(trpc.dashboard.job.queryOptions({ id: best?.jobId ?? 0 }, { enabled: best !== null, staleTime: Infinity }));
  if (experiment.status !== "done") return null;
  const zero = generationZeroBest(overview);
  const gain = best && zero !== null ? best.score - zero : null;
  const exploits = overview.members.reduce((n, m) => n + m.exploits, 0);
  const duration = Date.parse(experiment.updatedAt) - Date.parse(experiment.createdAt);
  const modelPath = bestJob.data?.job.results?.model_path;
  return (
    <section
      aria-labelledby="summary-heading"
      className="rounded-lg border border-emerald-300 bg-emerald-50/60 p-4 dark:border-emerald-800 dark:bg-emerald-950/30"
      data-testid="finished-summary"
    >
      <h2 id="summary-heading" className="text-lg font-semibold tracking-tight">
        Finished
      </h2>
      <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3 lg:grid-cols-6">
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Best job</dt>
          <dd className="font-medium">
            {best ? (
              <Link href={jobHref(best.jobId)} className="text-emerald-800 underline-offset-2 hover:underline dark:text-emerald-300">
                #{best.jobId}
              </Link>
            ) : (
              "—"
            )}
            {best && (
              <span className="font-normal text-zinc-600 dark:text-zinc-400">
                {" "}
                member {best.member}, generation {best.generation}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Best {experiment.config.metric}</dt>
          <dd className="font-medium tabular-nums" data-testid="summary-best-score">
            {formatScore(best?.score ?? null)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Gain over generation 0</dt>
          <dd className="font-medium tabular-nums">{gain === null ? "—" : `${gain >= 0 ? "+" : ""}${formatScore(gain)} (from ${formatScore(zero)})`}</dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Exploits</dt>
          <dd className="font-medium tabular-nums">{exploits}</dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Duration</dt>
          <dd className="font-medium tabular-nums">{formatDuration(duration)}</dd>
        </div>
        <div className="min-w-0">
          <dt className="text-zinc-600 dark:text-zinc-400">Best checkpoint</dt>
          {modelPath === undefined || modelPath === null ? (
            // Said in full (it wraps): a path is cut short with an ellipsis, this is not.
            <dd className="text-zinc-600 dark:text-zinc-400">
              {bestJob.isPending && best ? (
                "…"
              ) : (
                <>
                  none reported <span className="font-mono text-xs break-words">(results.model_path)</span>
                </>
              )}
            </dd>
          ) : (
            <dd className="truncate font-mono text-xs" title={typeof modelPath === "string" ? modelPath : undefined}>
              {formatValue(modelPath)}
            </dd>
          )}
        </div>
      </dl>
    </section>
  );
}
