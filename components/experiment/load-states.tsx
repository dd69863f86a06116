"use client";
// What the experiment page shows before it has its data: a skeleton of the page while loading,
// and a failed first load that retries by itself (with a growing delay) and offers Retry.
import { useEffect, useState } from "react";
import { button } from "./ui";

const block = "animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-900";

export function ExperimentSkeleton({ name }: { name: string }) {
  return (
    <div className="space-y-8" role="status" aria-label="Loading the experiment" data-testid="experiment-skeleton">
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold tracking-tight break-words">{name}</h1>
        <div className={`${block} h-5 w-96 max-w-full`} />
        <div className={`${block} h-20`} />
      </div>
      <div className={`${block} h-[26rem]`} />
      <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(22rem,1fr))]">
        <div className={`${block} h-56`} />
        <div className={`${block} h-56`} />
      </div>
      <div className={`${block} h-72`} />
      <span className="sr-only">Loading the experiment…</span>
    </div>
  );
}

/** Seconds before the next automatic retry: 2, 4, 8, then every 15. */
export const retryDelay = (failures: number) => Math.min(15, 2 ** Math.max(1, failures));

export function FailedLoad({
  name,
  message,
  notFound,
  failures,
  retrying,
  onRetry,
}: {
  name: string;
  message: string;
  notFound: boolean;
  failures: number;
  retrying: boolean;
  onRetry(): void;
}) {
  const [left, setLeft] = useState(retryDelay(failures));
  useEffect(() => {
    if (notFound) return;
    setLeft(retryDelay(failures));
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = retryDelay(failures) - Math.floor((Date.now() - started) / 1000);
      setLeft(Math.max(0, remaining));
      if (remaining <= 0) {
        clearInterval(timer);
        onRetry();
      }
    }, 250);
    return () => clearInterval(timer);
  }, [failures, notFound, onRetry]);
  return (
    <div
      role="alert"
      className="space-y-3 rounded-lg border border-red-300 p-4 text-sm text-red-800 dark:border-red-900 dark:text-red-300"
      data-testid="load-failed"
    >
      <h1 className="text-lg font-semibold">{notFound ? `No experiment named “${name}”` : `Could not load the experiment “${name}”`}</h1>
      {/* The browser's own words for a dropped connection ("Failed to fetch") say little by themselves. */}
      <p>{/fetch|network/i.test(message) && !notFound ? `The server did not answer (${message}).` : message}</p>
      {!notFound && (
        <div className="flex items-center gap-3">
          <button type="button" className={button} onClick={onRetry} disabled={retrying}>
            {retrying ? "Retrying…" : "Retry"}
          </button>
          <span className="text-zinc-600 dark:text-zinc-400" aria-live="polite">
            {retrying ? "Trying again…" : `Trying again by itself in ${left} s.`}
          </span>
        </div>
      )}
    </div>
  );
}
