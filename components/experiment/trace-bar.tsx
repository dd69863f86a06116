"use client";
// Which lineage the tree, the curves and the schedules highlight: the best one by default, or the
// job clicked (kept in the URL as ?trace=ID). Says how much of it the page shows.
import Link from "next/link";
import { formatScore } from "../format";
import { jobHref } from "../routes";
import type { Trace } from "./trace";
import type { JobNode } from "./types";
import { toggle } from "./ui";

export function TraceBar({ trace, job, isBest, onReset }: { trace: Trace | null; job: JobNode | undefined; isBest: boolean; onReset(): void }) {
  return (
    <div
      className="sticky top-0 z-20 flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-zinc-200 bg-white/95 px-3 py-2 text-sm shadow-xs backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/95"
      data-testid="trace-bar"
      aria-live="polite"
    >
      <svg aria-hidden width="18" height="6">
        <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-trace)" strokeWidth="2.5" />
      </svg>
      {trace && job ? (
        <>
          <span>
            Tracing {isBest ? "the best lineage: " : ""}
            <Link
              href={jobHref(job.id)}
              className="font-medium text-emerald-800 underline-offset-2 hover:underline dark:text-emerald-300"
              data-testid="traced-job"
            >
              job #{job.id}
            </Link>{" "}
            <span className="text-zinc-600 dark:text-zinc-400">
              (member {job.member}, generation {job.generation}, score {job.diverged ? "diverged" : formatScore(job.score)})
            </span>
          </span>
          <span className="text-zinc-600 tabular-nums dark:text-zinc-400" data-testid="trace-counts">
            {trace.ancestors.length} ancestors, {trace.descendants.length} descendants
          </span>
          {!isBest && (
            <button type="button" className={toggle} onClick={onReset}>
              Trace the best job
            </button>
          )}
          <span className="text-xs text-zinc-500 dark:text-zinc-400">Click a job in the tree or a curve to trace another.</span>
        </>
      ) : (
        <span className="text-zinc-600 dark:text-zinc-400">
          No finished job yet: the best lineage is traced once there is one. Click a job in the tree to trace it.
        </span>
      )}
    </div>
  );
}
