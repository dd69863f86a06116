"use client";
// "Replay this schedule": a new experiment whose members follow the schedule that led to a job
// (the best one, or the job asked for), from scratch and without exploit. The schedule is read as
// the JSON export is (experiments.schedule), and sent back as is: what a replay on another server reads.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { button, buttonPrimary, input, label } from "../experiment/ui";
import { experimentHref } from "../routes";
import { useTRPC } from "../trpc";

export function ReplayForm({ experiment, jobId, summary }: { experiment: string; jobId?: number; summary: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const id = useId();
  const [name, setName] = useState(`${experiment} (replay${jobId === undefined ? "" : ` of job ${jobId}`})`);
  const [seeds, setSeeds] = useState("1");
  const [error, setError] = useState<string | null>(null);
  const replay = useMutation(
    trpc.experiments.replay.mutationOptions({
      onSuccess: (created) => router.push(experimentHref(created.name)),
      onError: (e) => setError(e.message),
    }),
  );
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const schedule = await queryClient.fetchQuery(trpc.experiments.schedule.queryOptions({ name: experiment, jobId }));
      if (schedule.schedule === null) return setError("Nothing to replay yet: no job has finished.");
      replay.mutate({ name, schedule, seeds: Number(seeds) });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <details className="rounded-md border border-zinc-200 dark:border-zinc-800">
      <summary className={`${button} w-full cursor-pointer border-0 shadow-none`}>{summary}</summary>
      <form onSubmit={submit} className="space-y-3 p-3" aria-label={summary}>
        <div>
          <label htmlFor={`${id}-name`} className={label}>
            New experiment
          </label>
          <input id={`${id}-name`} className={input} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor={`${id}-seeds`} className={label}>
            Seeds (members following the schedule)
          </label>
          <input id={`${id}-seeds`} className={input} inputMode="numeric" value={seeds} onChange={(e) => setSeeds(e.target.value)} />
        </div>
        <button type="submit" className={buttonPrimary} disabled={replay.isPending}>
          {replay.isPending ? "Creating…" : "Create the replay"}
        </button>
        {error && (
          <p role="alert" className="text-xs text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}
