// What the dashboard's browser tests start from, made through the real server (as cal.com's
// Playwright fixtures do): experiments over the HTTP API, deleted after the test; toy workers
// (examples/toy) that stop by themselves when their run is done, and are stopped after the test
// if it is not; a finished run, made once per Playwright worker and only read by the tests that
// use it. So each test sets up what it needs, and the specs run alone, together and in any order.
// Screenshots are kept as test artifacts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { test as base, expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";

export { expect };

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
    spawn(
      process.execPath,
      ["--import", "tsx", worker, "--url", baseURL, "--experiment", name, "--worker-id", `toy-${i}`, "--step-delay-ms", String(stepDelayMs)],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    ),
  );
}

export function stopWorkers(workers: ChildProcess[]) {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
}

/** Resolves once every worker has exited. */
function exited(workers: ChildProcess[]): Promise<void> {
  return Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null ? undefined : new Promise((resolve) => w.once("exit", resolve))))).then(
    () => {},
  );
}

/** A full-page screenshot under test-results/screenshots/, also attached to the report. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const dir = path.join(testInfo.project.outputDir, "screenshots");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

/** The toy problem in async mode: with one worker, every round one of the two members copies the other. */
export function asyncToyConfig(name: string, maxGenerations: number) {
  return { ...toyConfig(name, maxGenerations), mode: "async" };
}

/** Runs toy workers until the experiment is done (they exit by themselves). */
export async function runToyToEnd(baseURL: string, name: string, count = 1): Promise<void> {
  const workers = startToyWorkers(baseURL, name, count, 0);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`toy worker exited with ${code}`))));
        }),
    ),
  );
}

export interface ApiJob {
  id: number;
  member: number;
  generation: number;
  status: string;
  parentId: number | null;
  origin: string;
  donorJobId: number | null;
  score: number | null;
  hyperparameters: Record<string, unknown>;
}

/** Every job of an experiment, through the paged HTTP API. */
export async function apiJobs(request: APIRequestContext, name: string): Promise<ApiJob[]> {
  const jobs: ApiJob[] = [];
  let url: string | null = `${apiPath(name)}/jobs?limit=1000`;
  while (url) {
    const answer = await request.get(url);
    if (answer.status() !== 200) throw new Error(`jobs: ${answer.status()} ${await answer.text()}`);
    jobs.push(...((await answer.json()) as ApiJob[]));
    const next = /<([^>]+)>;\s*rel="next"/.exec(answer.headers()["link"] ?? "");
    url = next ? next[1]!.replace(/^https?:\/\/[^/]+/, "") : null;
  }
  return jobs;
}

/** A job, its ancestors (through parentId) and its descendants, from the API's jobs. */
export function lineageFromApi(jobs: ApiJob[], jobId: number): Set<number> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const out = new Set<number>([jobId]);
  for (let p = byId.get(jobId)?.parentId ?? null; p !== null; p = byId.get(p)?.parentId ?? null) out.add(p);
  let grew = true;
  while (grew) {
    grew = false;
    for (const j of jobs) {
      if (j.parentId !== null && !out.has(j.id) && isDescendant(byId, j.id, jobId)) {
        out.add(j.id);
        grew = true;
      }
    }
  }
  return out;
}

function isDescendant(byId: Map<number, ApiJob>, id: number, of: number): boolean {
  for (let p = byId.get(id)?.parentId ?? null; p !== null; p = byId.get(p)?.parentId ?? null) if (p === of) return true;
  return false;
}

/** A job's ancestry from generation 0 to the job itself: the schedule it followed. */
export function chainFromApi(jobs: ApiJob[], jobId: number): number[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const chain: number[] = [];
  for (let id: number | null = jobId; id !== null; id = byId.get(id)?.parentId ?? null) chain.unshift(id);
  return chain;
}

async function createExperiment(request: APIRequestContext, config: { name: string }) {
  const created = await request.post("/api/v1/experiments", { data: config });
  if (created.status() !== 201) throw new Error(`create ${config.name}: ${created.status()} ${await created.text()}`);
}

async function deleteExperiment(request: APIRequestContext, name: string) {
  const deleted = await request.delete(apiPath(name));
  // An experiment the test deleted itself is gone already.
  if (deleted.status() !== 200 && deleted.status() !== 404) throw new Error(`delete ${name}: ${deleted.status()} ${await deleted.text()}`);
}

export interface Experiments {
  /** Creates an experiment over the HTTP API, deleted after the test; resolves with its name. */
  create(config: { name: string } & Record<string, unknown>): Promise<string>;
  /** A toy-problem experiment (toyConfig) of `generations`, with the paper's two initial members pushed unless told not to. */
  createToy(options: { prefix: string; generations: number; pushMembers?: boolean }): Promise<string>;
  /** Deletes after the test an experiment the test made another way (through the form). */
  track(name: string): void;
}

export interface ToyWorkers {
  /** Toy workers on the experiment: they exit by themselves once it is done, and are stopped after the test otherwise. */
  start(name: string, count: number, options?: { stepDelayMs?: number }): ChildProcess[];
  /** Resolves once every worker started so far has exited (their runs are done). */
  finished(): Promise<void>;
}

/** A toy run worked to its end by two workers: read it, do not change it (other tests share it). */
export interface FinishedRun {
  name: string;
  generations: number;
  /** Jobs it took: populationSize × generations. */
  total: number;
}

export const FINISHED_RUN_GENERATIONS = 20;

export const test = base.extend<{ experiments: Experiments; toyWorkers: ToyWorkers }, { finishedRun: FinishedRun }>({
  experiments: async ({ request }, use) => {
    const names: string[] = [];
    await use({
      async create(config) {
        await createExperiment(request, config);
        names.push(config.name);
        return config.name;
      },
      async createToy({ prefix, generations, pushMembers = true }) {
        const name = uniqueName(prefix);
        await createExperiment(request, toyConfig(name, generations));
        names.push(name);
        if (pushMembers) await pushInitialMembers(request, name);
        return name;
      },
      track(name) {
        names.push(name);
      },
    });
    for (const name of names) await deleteExperiment(request, name);
  },

  // Set up after `experiments` (it depends on it), so torn down before it: workers stop before their experiments go.
  toyWorkers: async ({ baseURL, experiments: _ }, use) => {
    const started: ChildProcess[] = [];
    await use({
      start(name, count, { stepDelayMs = 0 } = {}) {
        const workers = startToyWorkers(baseURL!, name, count, stepDelayMs);
        started.push(...workers);
        return workers;
      },
      finished: () => exited(started),
    });
    stopWorkers(started);
    await exited(started);
  },

  finishedRun: [
    async ({ playwright }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL!;
      const request = await playwright.request.newContext({ baseURL });
      const name = uniqueName("e2e finished toy");
      await createExperiment(request, toyConfig(name, FINISHED_RUN_GENERATIONS));
      await pushInitialMembers(request, name);
      const workers = startToyWorkers(baseURL, name, 2, 0);
      try {
        await exited(workers);
        const { status } = (await (await request.get(apiPath(name))).json()) as { status: string };
        if (status !== "done") throw new Error(`the finished run's workers exited with the experiment ${status}`);
        await use({ name, generations: FINISHED_RUN_GENERATIONS, total: 2 * FINISHED_RUN_GENERATIONS });
      } finally {
        stopWorkers(workers);
        await exited(workers);
        await deleteExperiment(request, name);
        await request.dispose();
      }
    },
    { scope: "worker", timeout: 120_000 },
  ],
});
