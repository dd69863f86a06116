"use client";
// Deleting an experiment cannot be undone: a modal dialog says what goes (its jobs, metric points
// and events) and offers archiving as the way to only hide it. The native <dialog> keeps focus
// inside and closes on Escape.
import { useEffect, useRef } from "react";
import { button } from "./experiment/ui";
import type { RouterOutputs } from "./trpc";

type ExperimentSummary = RouterOutputs["experiments"]["list"]["items"][number];

export function DeleteExperimentDialog({
  experiment,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  experiment: ExperimentSummary;
  pending: boolean;
  error: string | null;
  onCancel(): void;
  onConfirm(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="delete-title"
      aria-describedby="delete-description"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      className="m-auto w-full max-w-md rounded-lg border border-zinc-200 bg-white p-6 text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <h2 id="delete-title" className="text-lg font-semibold">
        Delete {experiment.name}?
      </h2>
      <p id="delete-description" className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">
        Its {experiment.jobsDone} finished jobs, their metric points and the event log are deleted for good; workers still running its jobs are refused from now
        on. To only hide it from the list, archive it instead.
      </p>
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <div className="mt-5 flex justify-end gap-2">
        <button type="button" className={button} onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="inline-flex items-center rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white shadow-xs hover:bg-red-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:opacity-50 dark:bg-red-500 dark:text-zinc-950 dark:hover:bg-red-400"
          onClick={onConfirm}
          disabled={pending}
        >
          {pending ? "Deleting…" : "Delete for good"}
        </button>
      </div>
    </dialog>
  );
}
