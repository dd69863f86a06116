// Helpers for the dashboard's browser tests: experiments over the real HTTP API, toy workers as
// child processes, screenshots kept as test artifacts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext, Page, TestInfo } from "@playwright/test";

export const uniqueName = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 8)}`;

export const apiPath = (name: string) => `/api/v1/experiments/${encodeURIComponent(name)}`;

/**
 * The PBT paper's toy problem (examples/toy): two members that each see one term of Q. In sync
 * mode, so that it exploits by construction: every generation ranks both members' results, and the
 * bottom one (on a tie, member 1) copies the other. (In async mode whether an exploit happens at
 * all depends on which worker finishes first.)
 */
export function toyConfig(name: string, maxGenerations: number) {
  const h = { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "resample", probability: 0.25 } };
  return {
    name,
    objective: "maximize",
    metric: "Q",
    populationSize: 2,
    stop: { maxGenerations },
    mode: "sync",
    syncQuorum: 1,
    exploit: { kind: "truncate", fraction: 0.5 },
    hyperparameters: { h0: h, h1: h },
    leaseSeconds: 30,
    maxRetries: 3,
    failedMembers: "replace",
    seed: 1,
  };
}

/** Pushes the paper's initial members, h = (1, 0) and (0, 1), as run.ts does. */
export async function pushInitialMembers(request: APIRequestContext, name: string) {
  for (const [h0, h1] of [
    [1, 0],
    [0, 1],
  ]) {
    const pushed = await request.post(`${apiPath(name)}/jobs`, { data: { hyperparameters: { h0, h1 } } });
    if (pushed.status() !== 201) throw new Error(`push: ${pushed.status()} ${await pushed.text()}`);
  }
}

/** Starts toy workers (examples/toy/worker.ts) against the test server. */
export function startToyWorkers(baseURL: string, name: string, count: number, stepDelayMs: number): ChildProcess[] {
  const worker = path.join(import.meta.dirname, "..", "examples", "toy", "worker.ts");
  return Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, ["--import", "tsx", worker, "--url", baseURL, "--experiment", name, "--worker-id", `toy-${i}`, "--step-delay-ms", String(stepDelayMs)], {
      stdio: ["ignore", "ignore", "inherit"],
    }),
  );
}

export function stopWorkers(workers: ChildProcess[]) {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
}

/** A full-page screenshot under test-results/screenshots/, also attached to the report. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const dir = path.join(testInfo.project.outputDir, "screenshots");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}
