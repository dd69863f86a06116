"use client";
// The new-experiment form: every field of the experiment config, checked as you type by the
// server's own schema; the server's validation errors land on the same fields. ?from=NAME clones;
// ?from=NAME&fork=JOB continues from that job ("Continue from here").
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { lineageIssues } from "../experiment/errors";
import { button, buttonPrimary, input, sectionHeading } from "../experiment/ui";
import { experimentHref } from "../routes";
import { useTRPC } from "../trpc";
import { controlProps, Field, fieldId } from "./field";
import { emptyRow, fromConfig, initialState, type FormState, type HyperparameterRow } from "./form-state";
import { HyperparameterRowEditor } from "./hyperparameter-row";
import { SearchVariant } from "./search-variant";
import { validate } from "./validate";

type TopField = Exclude<keyof FormState, "hyperparameters">;

/** The config path of a form field whose name is not its path (errors are keyed by path). */
const PATH_OF: Partial<Record<string, string>> = {
  maxGenerations: "stop.maxGenerations",
  target: "stop.target",
  maxJobs: "stop.maxJobs",
  fraction: "exploit.fraction",
  checkpointRetain: "checkpoints.retain",
  keepLast: "checkpoints.keepLast",
};

export function ExperimentForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const cloneOf = params.get("from");
  const forkOf = params.get("fork");
  const source = useQuery(trpc.experiments.get.queryOptions({ name: cloneOf ?? "" }, { enabled: cloneOf !== null, staleTime: Infinity }));
  const [state, setState] = useState<FormState>(initialState);
  const [cloned, setCloned] = useState<string | null>(null);
  useEffect(() => {
    if (source.data && cloned !== source.data.name) {
      // A clone starts afresh; a fork continues from the job it was asked for.
      const { seed: _seed, fork: _fork, replay: _replay, ...config } = source.data.config as Record<string, unknown>;
      const stop = config.stop as { maxGenerations: number };
      setState(
        forkOf !== null
          ? fromConfig({
              ...config,
              name: `${source.data.name} (from job ${forkOf})`,
              fork: { jobId: Number(forkOf) },
              stop: { ...stop, maxGenerations: stop.maxGenerations + 10 },
            })
          : fromConfig({ ...config, name: `${source.data.name} (copy)` }),
      );
      setCloned(source.data.name);
    }
  }, [source.data, cloned, forkOf]);

  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [serverMessage, setServerMessage] = useState<string | null>(null);
  const { errors: localErrors, config } = validate(state);

  // Shown: local errors of fields touched (or all after a submit), and the server's until edited.
  const shown: Record<string, string> = { ...serverErrors };
  for (const [field, message] of Object.entries(localErrors)) {
    if (submitted || [...touched].some((t) => field === t || field.startsWith(`${t}.`))) shown[field] = message;
  }

  const touch = (path: string) => {
    setTouched((t) => (t.has(path) ? t : new Set(t).add(path)));
    setServerErrors((e) => {
      if (!Object.keys(e).some((k) => k === path || k.startsWith(`${path}.`))) return e;
      return Object.fromEntries(Object.entries(e).filter(([k]) => !(k === path || k.startsWith(`${path}.`))));
    });
  };
  const set = (field: TopField, value: string) => {
    setState((s) => ({ ...s, [field]: value }));
    touch(PATH_OF[field] ?? field);
  };
  const setRow = (key: string, change: Partial<HyperparameterRow>) => {
    const row = state.hyperparameters.find((r) => r.key === key);
    setState((s) => ({ ...s, hyperparameters: s.hyperparameters.map((r) => (r.key === key ? { ...r, ...change } : r)) }));
    if (row) touch(`hyperparameters.${change.name ?? row.name}`);
  };

  const create = useMutation(
    trpc.experiments.create.mutationOptions({
      onSuccess: (experiment) => router.push(experimentHref(experiment.name)),
      onError: (error) => {
        const { byField, unplaced } = lineageIssues(error);
        setServerErrors(byField);
        setServerMessage(unplaced);
        const first = Object.keys(byField)[0];
        if (first) document.getElementById(fieldId(first))?.focus();
      },
    }),
  );

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setServerMessage(null);
    const fields = Object.keys(localErrors);
    if (fields.length > 0) {
      document.getElementById(fieldId(fields[0]!))?.focus();
      return;
    }
    create.mutate(config as Parameters<typeof create.mutate>[0]);
  };

  const e = (path: string) => shown[path];
  const top = (field: TopField, path: string, text: string, extra?: { hint?: string; inputMode?: "numeric" | "decimal"; placeholder?: string }) => (
    <Field path={path} label={text} error={e(path)} hint={extra?.hint}>
      <input
        {...controlProps(path, e(path))}
        className={input}
        inputMode={extra?.inputMode}
        placeholder={extra?.placeholder}
        value={state[field] as string}
        onChange={(ev) => set(field, ev.target.value)}
      />
    </Field>
  );
  const placed = new Set<string>([
    "name",
    "objective",
    "metric",
    "populationSize",
    "stop.maxGenerations",
    "stop.target",
    "stop.maxJobs",
    "mode",
    "syncQuorum",
    "exploit.kind",
    "exploit.fraction",
    "leaseSeconds",
    "maxRetries",
    "failedMembers",
    "checkpoints.retain",
    "checkpoints.keepLast",
    "seed",
    "explore.kind",
  ]);
  const rowPaths = state.hyperparameters.map((r) => `hyperparameters.${r.name}`);
  const unplacedErrors = Object.entries(shown).filter(([field]) => !placed.has(field) && !rowPaths.some((p) => field === p || field.startsWith(`${p}.`)));

  return (
    <form onSubmit={submit} noValidate className="space-y-8" aria-label="New experiment">
      {cloneOf && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status">
          {source.isPending
            ? `Loading ${cloneOf}…`
            : source.error
              ? `Could not load ${cloneOf}: ${source.error.message}`
              : forkOf !== null
                ? `Continues from job ${forkOf} of ${cloneOf}: every member starts from its checkpoint and hyperparameters (member 0 as they are, the others explored). Generations count on from that job's depth.`
                : `A copy of ${cloneOf}, with a new seed unless you set one.`}
        </p>
      )}
      <section aria-labelledby="general-heading" className="space-y-4">
        <h2 id="general-heading" className={sectionHeading}>
          Experiment
        </h2>
        <div className="grid gap-4 sm:grid-cols-3">
          <div className="sm:col-span-3">{top("name", "name", "Name")}</div>
          <Field path="objective" label="Objective" error={e("objective")}>
            <select
              {...controlProps("objective", e("objective"))}
              className={input}
              value={state.objective}
              onChange={(ev) => set("objective", ev.target.value)}
            >
              <option value="maximize">maximize</option>
              <option value="minimize">minimize</option>
            </select>
          </Field>
          {top("metric", "metric", "Metric", { hint: "the result key that is ranked, e.g. max_accuracy" })}
          {top("populationSize", "populationSize", "Population size", { inputMode: "numeric" })}
          {top("maxGenerations", "stop.maxGenerations", "Generations (lineage depth)", {
            inputMode: "numeric",
            hint: "a member stops at this depth of training",
          })}
          {top("target", "stop.target", "Stop at score", { inputMode: "decimal", placeholder: "none", hint: "done as soon as a job reaches it" })}
          {top("maxJobs", "stop.maxJobs", "Job budget", { inputMode: "numeric", placeholder: "none", hint: "training jobs in all (retries not counted)" })}
          <Field path="mode" label="Mode" error={e("mode")}>
            <select {...controlProps("mode", e("mode"))} className={input} value={state.mode} onChange={(ev) => set("mode", ev.target.value)}>
              <option value="async">async (fast; members move on independently)</option>
              <option value="sync">sync (reproducible; generations in lockstep)</option>
            </select>
          </Field>
          {state.mode === "sync" ? (
            top("syncQuorum", "syncQuorum", "Sync quorum", { inputMode: "decimal", hint: "fraction that must finish a generation before the next is decided" })
          ) : (
            <div />
          )}
          {top("seed", "seed", "Seed", { inputMode: "numeric", placeholder: "drawn by the server", hint: "every random decision derives from it" })}
        </div>
      </section>

      <section aria-labelledby="exploit-heading" className="space-y-4">
        <h2 id="exploit-heading" className={sectionHeading}>
          Exploit and leases
        </h2>
        <div className="grid gap-4 sm:grid-cols-4">
          <Field path="exploit.kind" label="Exploit strategy" error={e("exploit.kind")}>
            <select
              {...controlProps("exploit.kind", e("exploit.kind"))}
              className={input}
              value={state.exploit}
              onChange={(ev) => set("exploit", ev.target.value)}
            >
              <option value="truncate">truncate (bottom copies top)</option>
              <option value="tournament">tournament (binary)</option>
              <option value="none">none (explore only)</option>
            </select>
          </Field>
          {state.exploit === "truncate" ? (
            top("fraction", "exploit.fraction", "Fraction", { inputMode: "decimal", hint: "bottom/top quantile, 0 < f ≤ 0.5" })
          ) : (
            <div />
          )}
          {top("leaseSeconds", "leaseSeconds", "Lease (seconds)", { inputMode: "numeric", hint: "no heartbeat for this long: crashed" })}
          {top("maxRetries", "maxRetries", "Retries per generation", { inputMode: "numeric" })}
          <Field path="failedMembers" label="Members out of retries" error={e("failedMembers")}>
            <select
              {...controlProps("failedMembers", e("failedMembers"))}
              className={input}
              value={state.failedMembers}
              onChange={(ev) => set("failedMembers", ev.target.value)}
            >
              <option value="replace">replace (copy a top member)</option>
              <option value="drop">drop (leave them finished)</option>
            </select>
          </Field>
          <Field
            path="checkpoints.retain"
            label="Checkpoints kept"
            error={e("checkpoints.retain")}
            hint="needed: those a later job may load, the best, the pinned"
          >
            <select
              {...controlProps("checkpoints.retain", e("checkpoints.retain"))}
              className={input}
              value={state.checkpointRetain}
              onChange={(ev) => set("checkpointRetain", ev.target.value)}
            >
              <option value="needed">needed (the rest deleted)</option>
              <option value="all">all (none deleted)</option>
            </select>
          </Field>
          {top("keepLast", "checkpoints.keepLast", "Keep each member's last", {
            inputMode: "numeric",
            hint: "checkpoints uploaded to the server; empty: only the needed ones",
          })}
        </div>
      </section>

      <SearchVariant
        value={state.search}
        error={e("explore.kind")}
        onChange={(search) => {
          setState((s) => ({ ...s, search }));
          touch("explore.kind");
        }}
      />

      <section aria-labelledby="hp-heading" className="space-y-4">
        <div className="flex items-end justify-between gap-3">
          <h2 id="hp-heading" className={sectionHeading}>
            Hyperparameters
          </h2>
          <button
            type="button"
            className={button}
            onClick={() => setState((s) => ({ ...s, hyperparameters: [...s.hyperparameters, emptyRow(`param_${s.hyperparameters.length + 1}`)] }))}
          >
            Add hyperparameter
          </button>
        </div>
        {state.hyperparameters.length === 0 && <p className="text-sm text-zinc-500">No hyperparameters: every member trains the same way.</p>}
        {state.hyperparameters.map((row, i) => (
          <HyperparameterRowEditor
            key={row.key}
            row={row}
            index={i}
            errors={shown}
            seed={state.seed}
            onChange={(change) => setRow(row.key, change)}
            onRemove={() => setState((s) => ({ ...s, hyperparameters: s.hyperparameters.filter((r) => r.key !== row.key) }))}
          />
        ))}
      </section>

      <JsonPanel
        config={config}
        state={state}
        onLoad={(next) => {
          setState(next);
          setSubmitted(true);
        }}
      />

      {(serverMessage || unplacedErrors.length > 0) && (
        <div role="alert" className="rounded-md border border-red-300 p-3 text-sm text-red-800 dark:border-red-900 dark:text-red-300">
          {serverMessage && <p>{serverMessage}</p>}
          <ul>
            {unplacedErrors.map(([field, message]) => (
              <li key={field}>
                <code className="font-mono">{field}</code>: {message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonPrimary} disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create experiment"}
        </button>
        {submitted && Object.keys(localErrors).length > 0 && <p className="text-sm text-red-700 dark:text-red-400">Fix the fields marked above.</p>}
      </div>
    </form>
  );
}

function JsonPanel({ config, state, onLoad }: { config: unknown; state: FormState; onLoad(state: FormState): void }) {
  const id = useId();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const json = JSON.stringify(config, null, 2);
  const download = () => {
    const url = URL.createObjectURL(new Blob([json + "\n"], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${(state.name || "experiment").replace(/[^\p{L}\p{N}._-]+/gu, "_")}.json`;
    a.click();
    URL.revokeObjectURL(url);
  };
  const load = () => {
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("must be a JSON object");
      onLoad(fromConfig(parsed));
      setError(null);
    } catch (e) {
      setError(`Not a config: ${(e as Error).message}`);
    }
  };
  return (
    <details className="rounded-lg border border-zinc-200 dark:border-zinc-800">
      <summary className="cursor-pointer rounded-lg px-4 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-emerald-600">
        Config as JSON (paste or download)
      </summary>
      <div className="grid gap-4 px-4 pb-4 md:grid-cols-2">
        <div>
          <p className="mb-1 text-xs text-zinc-600 dark:text-zinc-400">This form as JSON (the body of POST /api/v1/experiments):</p>
          <pre className="max-h-80 overflow-auto rounded-md bg-zinc-100 p-3 text-xs dark:bg-zinc-900" data-testid="config-json">
            {json}
          </pre>
          <button type="button" className={`${button} mt-2`} onClick={download}>
            Download JSON
          </button>
        </div>
        <div>
          <label htmlFor={`${id}-paste`} className="mb-1 block text-xs text-zinc-600 dark:text-zinc-400">
            Paste a config to fill the form:
          </label>
          <textarea id={`${id}-paste`} className={`${input} h-64 font-mono text-xs`} value={text} onChange={(e) => setText(e.target.value)} />
          <button type="button" className={`${button} mt-2`} onClick={load}>
            Fill the form from JSON
          </button>
          {error && (
            <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
        </div>
      </div>
    </details>
  );
}
