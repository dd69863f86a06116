"use client";
// The event feed: exploits, explores (old → new), crashes and retries, status changes; newest
// first. Job lifecycle events (created, started, finished) can be shown too.
import Link from "next/link";
import { memo, useState } from "react";
import { formatScore, formatValue } from "../format";
import type { LiveEvent } from "../live/socket";
import { RelativeTime } from "../relative-time";
import { jobHref } from "../routes";
import { link, toggle } from "./ui";
import { SectionHeader } from "./section-header";

export const FEED_LIMIT = 300;
const LIFECYCLE = new Set(["job.created", "job.started", "job.finished"]);

export function EventFeed({ events }: { events: LiveEvent[] }) {
  const [lifecycle, setLifecycle] = useState(false);
  const isRetry = (e: LiveEvent) => e.type === "job.created" && typeof e.data.attempt === "number" && e.data.attempt > 0;
  const shown = events.filter((e) => lifecycle || !LIFECYCLE.has(e.type) || isRetry(e)).slice(0, 150);
  return (
    <div className="space-y-3">
      <SectionHeader id="events-heading" title="Events">
        <button type="button" className={toggle} aria-pressed={lifecycle} onClick={() => setLifecycle(!lifecycle)}>
          Job lifecycle
        </button>
      </SectionHeader>
      <ol
        className="max-h-96 divide-y divide-zinc-200 overflow-y-auto rounded-lg border border-zinc-200 text-sm dark:divide-zinc-800 dark:border-zinc-800"
        data-testid="event-feed"
        aria-label="Events, newest first"
      >
        {shown.length === 0 && <li className="px-3 py-4 text-zinc-500 dark:text-zinc-400">No events to show yet.</li>}
        {shown.map((e) => (
          <FeedItem key={e.seq} event={e} />
        ))}
      </ol>
    </div>
  );
}

// Memoised: the feed changes every frame under load, each event's line never does.
const FeedItem = memo(function FeedItem({ event: e }: { event: LiveEvent }) {
  return (
    <li className="flex gap-3 px-3 py-1.5" data-seq={e.seq} data-type={e.type}>
      <span className="w-12 shrink-0 text-right text-xs text-zinc-400 tabular-nums">#{e.seq}</span>
      <span className="min-w-0 flex-1">
        <EventText event={e} />
      </span>
      <span className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400">
        <RelativeTime iso={e.createdAt} />
      </span>
    </li>
  );
});

function JobLink({ id }: { id: number | null | undefined }) {
  if (typeof id !== "number") return null;
  return (
    <Link href={jobHref(id)} className={link}>
      #{id}
    </Link>
  );
}

/** Why a member exploited, as the feed says it (a bottom-quantile exploit is the ordinary case). */
const EXPLOIT_WHY: Record<string, string> = {
  tournament: "after losing its tournament",
  exhausted: "after its own run used up its retries",
  diverged: "after its own run diverged",
};

function EventText({ event: e }: { event: LiveEvent }) {
  const who = e.member !== null ? `member ${e.member}` : "";
  // Each case reads its event's own payload (server/domain/event.ts). Events of earlier versions
  // may lack a field added since: those are read as optional.
  switch (e.type) {
    case "exploit":
      return (
        <span>
          <strong className="font-medium text-orange-700 dark:text-orange-400">exploit</strong> {who} copies member {e.data.donorMember} (job{" "}
          <JobLink id={e.data.donorJobId} />) → job <JobLink id={e.jobId} />
          {EXPLOIT_WHY[e.data.reason] ? `, ${EXPLOIT_WHY[e.data.reason]}` : ""}
        </span>
      );
    case "explore":
      return (
        <span>
          <strong className="font-medium text-sky-700 dark:text-sky-400">explore</strong> {who}:{" "}
          {(e.data.mutations ?? []).map((m, i) => (
            <span key={i} className="font-mono text-xs">
              {i > 0 ? "; " : ""}
              {m.parameter} {formatValue(m.old)} → {formatValue(m.new)} ({m.operation})
            </span>
          ))}
        </span>
      );
    case "job.crashed":
      return (
        <span>
          <strong className="font-medium text-red-700 dark:text-red-400">crashed</strong> {who} job <JobLink id={e.jobId} />
          {e.data.reason ? ` (${e.data.reason})` : ""}
          {e.data.error ? `: ${e.data.error.slice(0, 200)}` : ""}
        </span>
      );
    case "member.exhausted":
      return (
        <span>
          <strong className="font-medium text-red-700 dark:text-red-400">gave up</strong> {who}: retries exhausted;{" "}
          {e.data.next === "drop" ? "dropped from the population" : "it will rejoin as a copy of a top member"}
        </span>
      );
    case "experiment.status":
      return (
        <span>
          <strong className="font-medium">status</strong> {e.data.from} → {e.data.to}
          {e.data.reason ? ` (${e.data.reason})` : ""}
        </span>
      );
    case "jobs.pruned":
      return <span>{e.data.count} queued jobs pruned</span>;
    case "experiment.created":
      return <span>experiment created</span>;
    case "job.finished":
      return (
        <span>
          {who} job <JobLink id={e.jobId} /> finished generation {e.data.generation}:{" "}
          {e.data.diverged === true ? (
            <strong className="font-medium text-red-700 dark:text-red-400">diverged</strong>
          ) : (
            `score ${formatScore(typeof e.data.score === "number" ? e.data.score : null)}`
          )}
        </span>
      );
    case "job.started":
      return (
        <span>
          {who} job <JobLink id={e.jobId} /> started{e.data.workerId ? ` on ${e.data.workerId}` : ""}
        </span>
      );
    case "job.created":
      if (e.data.attempt > 0) {
        return (
          <span>
            <strong className="font-medium text-amber-700 dark:text-amber-400">retry</strong> {who} generation {e.data.generation}, attempt {e.data.attempt + 1}
            : job <JobLink id={e.jobId} />
          </span>
        );
      }
      return (
        <span>
          {who} job <JobLink id={e.jobId} /> queued{e.data.origin ? ` (${e.data.origin})` : ""}
        </span>
      );
  }
}
