// `lineage run EXP -- CMD ...`: drives any training script. For each job the command is run with
//   %h → --name value for every hyperparameter, %j → the job id, %e → the experiment's name,
//   %l → the checkpoint to load (downloaded from the server: the parent's, after an exploit the
//        donor's; "" for a first generation), %s → the path to save this job's checkpoint to
//        (uploaded to the server when the command exits with 0),
// and the environment LINEAGE_JOB_ID, LINEAGE_MEMBER, LINEAGE_GENERATION, LINEAGE_EXPERIMENT,
// LINEAGE_HYPERPARAMETERS (JSON) and LINEAGE_RESULTS (JSON: what the job continues from, e.g.
// model_path). The script reports by printing lines to stdout:
//   LINEAGE_RESULTS {"accuracy": 0.93, "model_path": "/ckpt/7.pt"}   (required, the last one counts)
//   LINEAGE_METRICS {"step": 100, "accuracy": 0.91}                   (optional, live curves)
// LINEAGE_RESULTS is what this job produced: it must hold the experiment's metric (NaN when
// training diverged); what the job inherited is kept by the server and is never its score.
// A non-zero exit (or no LINEAGE_RESULTS line, or one without the metric) marks the job crashed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Experiment } from "../client";
import { MetricNotSetError } from "../errors";
import type { Job } from "../job";
import { runWorker } from "../worker";
import { formatNumber } from "./format";

export const RESULTS_MARKER = "LINEAGE_RESULTS";
export const METRICS_MARKER = "LINEAGE_METRICS";

/** The checkpoint placeholders: the file to load, the path to save to. */
export const LOAD_PLACEHOLDER = "%l";
export const SAVE_PLACEHOLDER = "%s";

export function expandCommand(
  command: string[],
  job: { id: number; hyperparameters: Record<string, unknown> },
  experiment: string,
  checkpoints: { load?: string | null; save?: string } = {},
): string[] {
  return command.flatMap((arg) => {
    if (arg === "%h") {
      return Object.entries(job.hyperparameters).flatMap(([name, value]) => [`--${name}`, typeof value === "string" ? value : JSON.stringify(value)]);
    }
    // One pass, so that a value holding "%e" (an experiment's name) is never expanded again.
    return [
      arg.replace(/%[jels]/g, (token) => {
        if (token === "%j") return String(job.id);
        if (token === "%e") return experiment;
        if (token === LOAD_PLACEHOLDER) return checkpoints.load ?? "";
        return checkpoints.save ?? token;
      }),
    ];
  });
}

const uses = (command: string[], placeholder: string) => command.some((arg) => arg.includes(placeholder));

/**
 * A report line's JSON, also with the bare NaN, Infinity and -Infinity that Python's json.dumps
 * writes: they become "NaN", "Infinity", "-Infinity", the server's way of carrying them.
 */
export function parseReport(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    let json = "";
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') {
        // Copy a string literal as it is.
        let end = i + 1;
        while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
        json += text.slice(i, end + 1);
        i = end;
        continue;
      }
      const token = /^(?:-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[0];
      if (token) {
        json += `"${token}"`;
        i += token.length - 1;
      } else {
        json += c;
      }
    }
    return JSON.parse(json);
  }
}

async function runScript(command: string[], job: Job, experiment: string): Promise<Record<string, unknown>> {
  // Checkpoints through the server, when the command asks for them.
  const load = uses(command, LOAD_PLACEHOLDER) ? await job.loadCheckpoint() : undefined;
  let save: string | undefined;
  if (uses(command, SAVE_PLACEHOLDER)) {
    const folder = path.join(os.tmpdir(), `lineage-run-${process.pid}`);
    await mkdir(folder, { recursive: true });
    save = path.join(folder, `job-${job.id}.ckpt`);
    await unlink(save).catch(() => undefined);
  }
  const results = await runProcess(command, job, experiment, { load, save });
  if (save !== undefined) {
    if (!existsSync(save)) throw new Error(`the training command exited with 0 but saved no checkpoint at ${save} (its ${SAVE_PLACEHOLDER} argument)`);
    try {
      await job.saveCheckpoint(save);
    } finally {
      await unlink(save).catch(() => undefined);
    }
  }
  return results;
}

function runProcess(command: string[], job: Job, experiment: string, checkpoints: { load?: string | null; save?: string }): Promise<Record<string, unknown>> {
  const [program, ...args] = expandCommand(command, job, experiment, checkpoints);
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        LINEAGE_EXPERIMENT: experiment,
        LINEAGE_JOB_ID: String(job.id),
        LINEAGE_MEMBER: String(job.member),
        LINEAGE_GENERATION: String(job.generation),
        LINEAGE_HYPERPARAMETERS: JSON.stringify(job.hyperparameters),
        LINEAGE_RESULTS: JSON.stringify(job.results),
        ...(checkpoints.load ? { LINEAGE_CHECKPOINT: checkpoints.load } : {}),
        ...(checkpoints.save ? { LINEAGE_CHECKPOINT_SAVE: checkpoints.save } : {}),
      },
    });
    let results: Record<string, unknown> | null = null;
    let badLine: string | null = null;
    const logging: Promise<void>[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const trimmed = line.trim();
      if (trimmed.startsWith(RESULTS_MARKER)) {
        try {
          results = parseReport(trimmed.slice(RESULTS_MARKER.length)) as Record<string, unknown>;
        } catch {
          badLine = line;
        }
      } else if (trimmed.startsWith(METRICS_MARKER)) {
        try {
          const { step, ...values } = parseReport(trimmed.slice(METRICS_MARKER.length)) as { step: number } & Record<string, number>;
          logging.push(job.log(step, values).catch((e: unknown) => console.error(`metrics: ${(e as Error).message}`)));
        } catch {
          console.error(`ignored a malformed ${METRICS_MARKER} line: ${line}`);
        }
      } else {
        process.stdout.write(`${line}\n`);
      }
    });
    child.on("error", (error) => reject(new Error(`could not start ${program}: ${error.message}`)));
    child.on("close", async (code, signal) => {
      await Promise.all(logging);
      if (code !== 0) return reject(new Error(`${program} exited with ${signal ?? code}`));
      if (badLine) return reject(new Error(`the ${RESULTS_MARKER} line is not JSON: ${badLine}`));
      if (!results || typeof results !== "object") return reject(new Error(`${program} printed no ${RESULTS_MARKER} line`));
      const notSet = job.metricNotSet(results, `print this job's own ${JSON.stringify(job.metric)} in its ${RESULTS_MARKER} line ("NaN" if training diverged)`);
      if (notSet)
        return reject(
          new MetricNotSetError(
            `the training command printed no ${JSON.stringify(job.metric)} in its ${RESULTS_MARKER} line: ${notSet.message}`,
            notSet.metric,
            notSet.jobId,
            notSet.sourceJobId,
          ),
        );
      resolve(results);
    });
  });
}

export async function runCommand(experiment: Experiment, command: string[], options: { maxJobs?: number; quiet?: boolean }): Promise<number> {
  let done = 0;
  let failed = 0;
  const metric = (experiment.data.config as { metric: string }).metric;
  const progress = (text: string) => {
    if (!options.quiet) process.stderr.write(`[lineage] ${text}\n`);
  };
  return runWorker(
    experiment,
    (job) => {
      progress(`job ${job.id}: member ${job.member}, generation ${job.generation} — ${command.join(" ")}`);
      return runScript(command, job, experiment.name);
    },
    {
      maxJobs: options.maxJobs,
      onWait: (seconds, reason) => progress(`nothing to do (${reason}); asking again in ${seconds}s`),
      onJobDone: (job, outcome) => {
        if (outcome === "done") done++;
        else failed++;
        const score = job.results[metric];
        const shown =
          outcome !== "done"
            ? ""
            : job.diverged
              ? ` (diverged: ${metric} ${String(score)})`
              : typeof score === "number"
                ? ` (${metric} ${formatNumber(score)})`
                : "";
        progress(`job ${job.id} ${outcome}${shown} — ${done} done, ${failed} failed`);
      },
    },
  );
}
