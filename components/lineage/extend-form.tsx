"use client";
// "Extend": raise maxGenerations of a running or finished experiment; each member carries on from
// its latest finished job (a done experiment runs again).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { button, input, label } from "../experiment/ui";
import { useTRPC } from "../trpc";

export function ExtendForm({ experiment, maxGenerations }: { experiment: string; maxGenerations: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [value, setValue] = useState(String(maxGenerations + 5));
  const [error, setError] = useState<string | null>(null);
  const extend = useMutation(
    trpc.experiments.extend.mutationOptions({
      onSuccess: () => {
        setError(null);
        void queryClient.invalidateQueries({ queryKey: trpc.dashboard.overview.queryKey({ name: experiment }) });
      },
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      aria-label="Extend"
      onSubmit={(e) => {
        e.preventDefault();
        extend.mutate({ name: experiment, maxGenerations: Number(value) });
      }}
    >
      <div className="w-40">
        <label htmlFor={`${id}-max`} className={label}>
          Generations (now {maxGenerations})
        </label>
        <input id={`${id}-max`} className={input} inputMode="numeric" value={value} onChange={(e) => setValue(e.target.value)} />
      </div>
      <button type="submit" className={button} disabled={extend.isPending}>
        Extend
      </button>
      {error && (
        <p role="alert" className="w-full text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
