"use client";
// The job page's actions: replay the schedule that led to this job, or continue from its checkpoint.
import Link from "next/link";
import { button, sectionHeading } from "../experiment/ui";
import { forkHref } from "./links";
import { ReplayForm } from "./replay-form";

export function JobActions({ experiment, jobId, done }: { experiment: string; jobId: number; done: boolean }) {
  return (
    <section aria-labelledby="job-actions-heading" className="space-y-2">
      <h2 id="job-actions-heading" className={sectionHeading}>
        Replay or continue
      </h2>
      <div className="grid gap-3 sm:grid-cols-2">
        <ReplayForm experiment={experiment} jobId={jobId} summary="Replay this schedule" />
        {done ? (
          <Link className={button} href={forkHref(experiment, jobId)}>
            Continue from here
          </Link>
        ) : (
          <span className={`${button} opacity-50`} aria-disabled title="only a finished job has a checkpoint to continue from">
            Continue from here
          </span>
        )}
      </div>
    </section>
  );
}
