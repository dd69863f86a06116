// Finished experiments for the analysis, comparison, list and job page tests, made through the real
// worker HTTP API by a worker loop in the test itself (no child processes): fast, and the same
// records every run. The score grows with the step and falls with |log10(lr) + 2|, so lr matters.
import type { APIRequestContext } from "@playwright/test";

export function syntheticConfig(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    objective: "maximize",
    metric: "score",
    populationSize: 6,
    stop: { maxGenerations: 5 },
    mode: "sync",
    exploit: { kind: "truncate", fraction: 0.34 },
    hyperparameters: {
      lr: { init: { kind: "loguniform", low: 0.0001, high: 0.1 }, explore: { kind: "perturb" } },
      dropout: { init: { kind: "uniform", low: 0, high: 0.5 }, explore: { kind: "resample", probability: 0.3 } },
      activation: { init: { kind: "choice", values: ["relu", "tanh", "gelu"] } },
      batch_size: { init: { kind: "const", value: 32 } },
    },
    seed: 11,
    ...extra,
  };
}

async function post(request: APIRequestContext, path: string, data: unknown) {
  const answer = await request.post(`/api/v1${path}`, { data });
  if (answer.status() >= 300) throw new Error(`POST ${path}: ${answer.status()} ${await answer.text()}`);
  return answer.json();
}

/**
 * Creates the experiment and works it to the end. Each job reports points of `pointMetrics` (by
 * default the metric itself and a loss) every 5 steps, and completes with the metric and its step.
 */
export async function runSynthetic(
  request: APIRequestContext,
  config: ReturnType<typeof syntheticConfig>,
  options: { pointMetrics?: string[] } = {},
): Promise<void> {
  await post(request, "/experiments", config);
  const pointMetrics = options.pointMetrics ?? [config.metric, "loss"];
  for (let i = 0; i < 500; i++) {
    const next = await post(request, `/experiments/${encodeURIComponent(config.name)}/next-job`, { workerId: "synthetic" });
    if (next.status === "done") return;
    if (next.status === "wait") continue;
    const { job, leaseToken } = next;
    const start = (job.results.step as number | undefined) ?? 0;
    const lr = job.hyperparameters.lr as number;
    const quality = 1 - Math.min(1, Math.abs(Math.log10(lr) + 2) / 2);
    const scoreAt = (step: number) =>
      Number((0.3 + 0.5 * quality * (1 - Math.exp(-step / 40)) + (job.hyperparameters.activation === "gelu" ? 0.02 : 0)).toFixed(6));
    const points = [5, 10, 15, 20].map((d) => {
      const step = start + d;
      const values: Record<string, number> = {};
      for (const m of pointMetrics) values[m] = m === "loss" ? Number((1 - scoreAt(step)).toFixed(6)) : scoreAt(step);
      return { step, values };
    });
    await post(request, `/jobs/${job.id}/metrics`, { leaseToken, points });
    const step = start + 20;
    await post(request, `/jobs/${job.id}/complete`, { leaseToken, results: { [config.metric]: scoreAt(step), step } });
  }
  throw new Error(`${config.name} did not finish`);
}
