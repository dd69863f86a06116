"use client";
// An experiment no worker has asked for a job yet: ready-to-copy commands that start one, with
// this server's address and the experiment's name filled in.
import { useEffect, useState } from "react";
import { toggle } from "./ui";

const py = (s: string) => JSON.stringify(s);

export function workerCommands(url: string, name: string, metric: string): Record<"Python" | "TypeScript" | "lineage run", string> {
  return {
    Python: [
      `# pip install -e sdk/python   (standard library only)`,
      `import lineage`,
      ``,
      `experiment = lineage.Client(${py(url)}).get_experiment(${py(name)})`,
      `while True:`,
      `    try:`,
      `        with experiment.next_job() as job:`,
      `            # train with job.hyperparameters, from job.results.get("model_path")`,
      `            job.results[${py(metric)}] = train(job.hyperparameters)`,
      `    except lineage.NoJobError:`,
      `        break`,
    ].join("\n"),
    TypeScript: [
      `import { Client, runWorker } from "./sdk";`,
      ``,
      `const experiment = await new Client({ url: ${py(url)} }).getExperiment(${py(name)});`,
      `await runWorker(experiment, async (job) => {`,
      `  // train with job.hyperparameters, from job.results.model_path`,
      `  return { ${/^[A-Za-z_$][\w$]*$/.test(metric) ? metric : py(metric)}: await train(job.hyperparameters) };`,
      `});`,
    ].join("\n"),
    "lineage run": `npx lineage run ${shellQuote(name)} --url ${shellQuote(url)} -- python train.py %h\n# train.py prints: LINEAGE_RESULTS {${py(metric)}: 0.93}`,
  };
}

function shellQuote(s: string): string {
  return /^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function StartWorker({ name, metric }: { name: string; metric: string }) {
  const [url, setUrl] = useState("http://127.0.0.1:3000");
  useEffect(() => setUrl(window.location.origin), []);
  const commands = workerCommands(url, name, metric);
  const [tab, setTab] = useState<keyof typeof commands>("Python");
  const [copied, setCopied] = useState(false);
  return (
    <section aria-labelledby="start-heading" className="space-y-2 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800" data-testid="start-worker">
      <h2 id="start-heading" className="font-semibold">
        No worker has asked for a job yet
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Start one on any machine that can reach this server (add a token with LINEAGE_TOKEN when access control is on):
      </p>
      <div className="flex flex-wrap gap-1" role="tablist" aria-label="Worker language">
        {(Object.keys(commands) as (keyof typeof commands)[]).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} aria-pressed={tab === k} className={toggle} onClick={() => setTab(k)}>
            {k}
          </button>
        ))}
      </div>
      <div className="relative">
        <pre
          className="overflow-x-auto rounded-md bg-zinc-100 p-3 pr-20 font-mono text-xs text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100"
          data-testid="start-command"
        >
          {commands[tab]}
        </pre>
        <button
          type="button"
          className={`${toggle} absolute top-2 right-2 bg-white dark:bg-zinc-950`}
          onClick={() => {
            void navigator.clipboard?.writeText(commands[tab]).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            });
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </section>
  );
}
