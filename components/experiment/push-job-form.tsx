"use client";
// Pushing a job by hand: a new member (while the population has room) or the next generation of
// a finished member, with hyperparameters typed in or, left blank, drawn from the prior.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTRPC } from "../trpc";
import type { Overview } from "./types";
import { buttonPrimary, fieldError, input, label } from "./ui";
import { lineageIssues } from "./errors";

export function PushJobForm({ overview, offline = false }: { overview: Overview; offline?: boolean }) {
  const { experiment } = overview;
  const config = experiment.config;
  const names = Object.keys(config.hyperparameters).sort();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [member, setMember] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const push = useMutation(
    trpc.jobs.push.mutationOptions({
      onSuccess: (job) => {
        setErrors({});
        setValues({});
        setMessage(`Queued job #${job.id} (member ${job.member}, generation ${job.generation}).`);
        void queryClient.invalidateQueries({ queryKey: trpc.dashboard.overview.queryKey({ name: experiment.name }) });
      },
      onError: (e) => {
        const issues = lineageIssues(e);
        setErrors(issues.byField);
        setMessage(issues.unplaced ?? null);
      },
    }),
  );

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const hyperparameters: Record<string, unknown> = {};
    const local: Record<string, string> = {};
    for (const name of names) {
      const text = values[name]?.trim();
      if (!text) continue;
      try {
        hyperparameters[name] = JSON.parse(text);
      } catch {
        hyperparameters[name] = text; // a bare string value, e.g. relu
      }
    }
    if (member !== "" && !/^\d+$/.test(member)) local.member = "must be a member number (0 or more)";
    setErrors(local);
    if (Object.keys(local).length) return;
    setMessage(null);
    push.mutate({
      name: experiment.name,
      hyperparameters: hyperparameters as Record<string, never>,
      ...(member === "" ? {} : { member: Number(member) }),
    });
  };

  return (
    <details className="rounded-lg border border-zinc-200 dark:border-zinc-800">
      <summary className="cursor-pointer rounded-lg px-4 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-emerald-600">
        Push a job by hand
      </summary>
      <form onSubmit={submit} className="space-y-3 px-4 pb-4" aria-label="Push a job">
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Leave the member empty to start a new member; give one to queue the next generation of a finished member. Blank hyperparameters are drawn from their
          initial distribution.
        </p>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <div>
            <label htmlFor={`${id}-member`} className={label}>
              Member
            </label>
            <input
              id={`${id}-member`}
              className={input}
              inputMode="numeric"
              placeholder="new member"
              value={member}
              aria-invalid={!!errors.member}
              aria-describedby={errors.member ? `${id}-member-error` : undefined}
              onChange={(e) => setMember(e.target.value)}
            />
            {errors.member && (
              <p id={`${id}-member-error`} className={fieldError}>
                {errors.member}
              </p>
            )}
          </div>
          {names.map((name) => {
            const field = `hyperparameters.${name}`;
            return (
              <div key={name}>
                <label htmlFor={`${id}-${name}`} className={label}>
                  {name}
                </label>
                <input
                  id={`${id}-${name}`}
                  className={input}
                  placeholder={`from ${config.hyperparameters[name]!.init.kind}`}
                  value={values[name] ?? ""}
                  aria-invalid={!!errors[field]}
                  aria-describedby={errors[field] ? `${id}-${name}-error` : undefined}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                />
                {errors[field] && (
                  <p id={`${id}-${name}-error`} className={fieldError}>
                    {errors[field]}
                  </p>
                )}
              </div>
            );
          })}
        </div>
        <div className="flex items-center gap-3">
          <button type="submit" className={buttonPrimary} disabled={push.isPending || offline}>
            Push job
          </button>
          {message && (
            <p role="status" className="text-sm text-zinc-700 dark:text-zinc-300">
              {message}
            </p>
          )}
        </div>
      </form>
    </details>
  );
}
