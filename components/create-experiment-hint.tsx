"use client";
// The experiment list's empty state: how to create the first experiment from code.
import { useSyncExternalStore } from "react";

// Written out rather than JSON.stringify'd, to read like what a person would type.
const exampleBody = `{
    "name": "mnist-pbt",
    "objective": "maximize",
    "metric": "max_accuracy",
    "populationSize": 10,
    "stop": { "maxGenerations": 20 },
    "hyperparameters": {
      "lr": {
        "init": { "kind": "loguniform", "low": 0.0001, "high": 0.1 },
        "explore": { "kind": "perturb" }
      }
    }
  }`;

const subscribeToNothing = () => () => {};

export function CreateExperimentHint() {
  // The address the browser reached this server at is the one workers can use too, usually.
  const origin = useSyncExternalStore(
    subscribeToNothing,
    () => window.location.origin,
    () => "",
  );
  const command = [`curl -X POST ${origin}/api/v1/experiments \\`, `  -H "Content-Type: application/json" \\`, `  -d '${exampleBody}'`].join("\n");

  return (
    <section aria-labelledby="no-experiments" className="rounded-lg border border-dashed border-zinc-300 p-6 dark:border-zinc-700">
      <h2 id="no-experiments" className="text-lg font-medium">
        No experiments yet
      </h2>
      <p className="mt-2 max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
        Create one with <code className="font-mono">POST /api/v1/experiments</code>, or with the TypeScript or Python SDK or the{" "}
        <code className="font-mono">lineage</code> command line, which call the same API. It appears here as soon as it exists; then start workers that ask it
        for jobs.
      </p>
      <p className="mt-2 max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
        When the server requires a token, add <code className="font-mono whitespace-nowrap">-H &quot;Authorization: Bearer &lt;token&gt;&quot;</code>.
      </p>
      <pre className="mt-4 overflow-x-auto rounded-md bg-zinc-100 p-4 font-mono text-xs leading-relaxed dark:bg-zinc-900">
        <code>{command}</code>
      </pre>
    </section>
  );
}
