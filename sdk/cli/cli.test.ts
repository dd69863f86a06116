// The `lineage` command line against the real server.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { parseReport } from "./run";

const BIN = path.join(import.meta.dirname, "..", "bin", "lineage.mjs");
const TRAIN = path.join(import.meta.dirname, "testdata", "train.mjs");

function lineage(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("lineage command line", () => {
  let server: ServerProcess;
  let url: string[];
  const dir = mkdtempSync(path.join(os.tmpdir(), "lineage-cli-"));
  beforeAll(async () => {
    server = await startServerProcess();
    url = ["--url", server.url];
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("creates from YAML, lists, pushes, shows, runs a script until done, exports and prints the schedule", async () => {
    const file = path.join(dir, "quadratic.yaml");
    writeFileSync(
      file,
      [
        "name: cli quadratic ✓",
        "metric: score",
        "populationSize: 2",
        "stop: { maxGenerations: 3, maxJobs: 1000 }",
        "exploit: { kind: truncate, fraction: 0.5 }",
        "hyperparameters:",
        "  x:",
        "    init: { kind: uniform, low: 0, high: 6 }",
        "    explore: { kind: perturb }",
        "seed: 9",
      ].join("\n"),
    );
    const name = "cli quadratic ✓";
    const created = await lineage(["create", file, ...url]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created experiment "cli quadratic ✓"/);
    const again = await lineage(["create", file, ...url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*\[experiment_exists\]/);

    const pushed = await lineage(["push", name, "-p", "x=3", ...url, "--json"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ member: 0, hyperparameters: { x: 3 }, origin: "manual", status: "queued" });

    const list = await lineage(["list", "--json", ...url]);
    expect(JSON.parse(list.stdout).find((e: { name: string }) => e.name === name)).toMatchObject({ populationSize: 2, status: "running" });
    expect((await lineage(["list", ...url])).stdout).toMatch(/cli quadratic ✓\s+running/);

    const paused = await lineage(["pause", name, ...url]);
    expect(paused.stdout.trim()).toBe(`${name}: paused`);
    // Archived: out of the list unless asked for; the name search finds it either way.
    expect((await lineage(["archive", name, ...url])).stdout.trim()).toBe(`${name}: archived`);
    expect((await lineage(["list", "--json", ...url])).stdout).not.toContain(name);
    expect(JSON.parse((await lineage(["list", "--json", "--archived", "--search", "QUADRATIC", ...url])).stdout).map((e: { name: string }) => e.name)).toEqual([
      name,
    ]);
    expect((await lineage(["unarchive", name, ...url])).stdout.trim()).toBe(`${name}: not archived`);
    expect(JSON.parse((await lineage(["list", "--json", "--status", "paused", ...url])).stdout).map((e: { name: string }) => e.name)).toContain(name);
    expect((await lineage(["resume", name, ...url])).stdout.trim()).toBe(`${name}: running`);

    const run = await lineage(["run", name, ...url, "--", process.execPath, TRAIN, "%h", "--job", "%j"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/training with x=3 \(job \d+\)/);
    // Generation is lineage depth: a member that copies one further ahead skips generations, so
    // the run takes at most 2 x 3 jobs.
    const completed = Number(/(\d+) jobs completed; the experiment is done/.exec(run.stderr)?.[1]);
    expect(completed).toBeGreaterThanOrEqual(4);
    expect(completed).toBeLessThanOrEqual(6);

    const show = await lineage(["show", name, ...url]);
    expect(show.stdout).toContain(`${name}: done, maximize score, ${completed} jobs done; stop: 3 generations, 1000 jobs`);
    const shown = JSON.parse((await lineage(["show", name, ...url, "--json"])).stdout);
    expect(shown.experiment.config.stop).toEqual({ maxGenerations: 3, maxJobs: 1000 });
    expect(shown.jobs.every((j: { status: string; results: { model_path?: string } }) => j.status === "done" && j.results.model_path)).toBe(true);
    const job = await lineage(["show", name, String(shown.jobs[0].id), ...url]);
    expect(job.stdout).toMatch(/member 0, generation 0, attempt 0, done/);

    const csv = await lineage(["export", name, "--format", "csv", ...url]);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^id,member,generation,.*hp\.x$/);
    expect(lines).toHaveLength(completed + 1);

    const schedule = JSON.parse((await lineage(["schedule", name, "--json", ...url])).stdout);
    expect(schedule.steps.map((s: { generation: number }) => s.generation)).toEqual([0, 1, 2]);
    // Member 0 started at the optimum x = 3 and stays best (score 0).
    expect(schedule.score).toBe(0);
  }, 120_000);

  it("exits 2 on usage errors, 1 when the server refuses, 3 when it is unreachable, 4 when training keeps failing", async () => {
    expect((await lineage(["frobnicate", ...url])).code).toBe(2);
    expect((await lineage(["push", "x", "-p", "novalue", ...url])).code).toBe(2);
    const missing = await lineage(["show", "no such experiment", ...url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/experiment_not_found/);
    expect((await lineage(["list", "--url", "http://127.0.0.1:9"], { LINEAGE_RETRIES: "1" })).code).toBe(3);

    const file = path.join(dir, "failing.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "cli failing",
        metric: "score",
        populationSize: 1,
        stop: { maxGenerations: 1 },
        maxRetries: 5,
        hyperparameters: { x: { init: { kind: "const", value: 1 } } },
      }),
    );
    expect((await lineage(["create", file, ...url])).code).toBe(0);
    const failing = await lineage(["run", "cli failing", ...url, "--", process.execPath, TRAIN, "%h"], { FAIL_ALWAYS: "1" });
    expect(failing.code).toBe(4);
    expect(failing.stderr).toMatch(/kept failing/);
  }, 120_000);

  it("run: a script that prints no score for an exploit job fails clearly, and the donor's score is not stored", async () => {
    const name = "cli forgotten score";
    const file = path.join(dir, "forgotten.json");
    const x = { init: { kind: "uniform", low: 0, high: 6 }, explore: { kind: "perturb" } };
    writeFileSync(
      file,
      JSON.stringify({
        name,
        metric: "score",
        populationSize: 2,
        stop: { maxGenerations: 2 },
        maxRetries: 2,
        exploit: { kind: "truncate", fraction: 0.5 },
        hyperparameters: { x },
      }),
    );
    expect((await lineage(["create", file, ...url])).code).toBe(0);
    // Member 0 is the weak one (x = 0, score -9) and finishes first: its next job copies member 1 (x = 3).
    expect((await lineage(["push", name, "-p", "x=0", ...url])).code).toBe(0);
    expect((await lineage(["push", name, "-p", "x=3", ...url])).code).toBe(0);
    const run = await lineage(["run", name, ...url, "--", process.execPath, TRAIN, "%h"], { FORGET_SCORE: "1" });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(
      /the training command printed no "score" in its LINEAGE_RESULTS line: job \d+ \(member 0, generation 1\) cannot complete without its own "score": score = 0 is inherited from job \d+, the donor this exploit copied/,
    );
    expect(run.stderr).toMatch(/print this job's own "score" in its LINEAGE_RESULTS line/);
    const { jobs } = JSON.parse((await lineage(["show", name, ...url, "--json"])).stdout) as {
      jobs: { member: number; generation: number; origin: string; status: string; score: number | null; error: string | null }[];
    };
    const exploit = jobs.find((j) => j.generation === 1 && j.member === 0)!;
    expect(exploit).toMatchObject({ origin: "exploit", status: "crashed", score: null });
    expect(exploit.error).toMatch(/cannot complete without its own "score"/);
  }, 120_000);

  it("run: a diverged script's bare NaN (as Python's json.dumps prints it) completes the job as diverged", async () => {
    expect(parseReport(`{"score": NaN, "a": [Infinity, -Infinity], "s": "NaN stays", "q": "say \\"NaN\\""}`)).toEqual({
      score: "NaN",
      a: ["Infinity", "-Infinity"],
      s: "NaN stays",
      q: 'say "NaN"',
    });
    expect(() => parseReport("{score: 1}")).toThrow();
    const name = "cli diverged";
    const file = path.join(dir, "diverged.json");
    writeFileSync(
      file,
      JSON.stringify({ name, metric: "score", populationSize: 1, stop: { maxGenerations: 1 }, hyperparameters: { x: { init: { kind: "const", value: 1 } } } }),
    );
    expect((await lineage(["create", file, ...url])).code).toBe(0);
    const run = await lineage(["run", name, ...url, "--", process.execPath, TRAIN, "%h"], { DIVERGE: "1" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/diverged/);
    const { jobs } = JSON.parse((await lineage(["show", name, ...url, "--json"])).stdout) as {
      jobs: { status: string; diverged: boolean; results: Record<string, unknown> }[];
    };
    expect(jobs[0]).toMatchObject({ status: "done", diverged: true, results: { score: "NaN", note: "NaN in a string stays" } });
  }, 60_000);
});

describe("lineage run with checkpoints on the server", () => {
  let server: ServerProcess;
  const dir = mkdtempSync(path.join(os.tmpdir(), "lineage-cli-checkpoints-"));
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("hands %l the checkpoint to load and uploads %s; pins and exports the best checkpoint", async () => {
    const url = ["--url", server.url];
    const config = path.join(dir, "config.json");
    const name = "cli checkpoints";
    writeFileSync(
      config,
      JSON.stringify({
        name,
        metric: "score",
        populationSize: 2,
        stop: { maxGenerations: 3 },
        exploit: { kind: "truncate", fraction: 0.5 },
        hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 6 }, explore: { kind: "perturb" } } },
        seed: 4,
      }),
    );
    expect((await lineage(["create", config, ...url])).code).toBe(0);
    const script = path.join(import.meta.dirname, "testdata", "train-checkpoint.mjs");
    const run = await lineage(["run", name, "--quiet", ...url, "--", process.execPath, script, "%h", "--load", "%l", "--save", "%s"], {
      LINEAGE_CACHE_DIR: path.join(dir, "cache"),
    });
    expect(run.code, run.stderr).toBe(0);
    const jobs = (await (await fetch(`${server.url}/api/v1/experiments/${encodeURIComponent(name)}/jobs`)).json()) as {
      id: number;
      parentId: number | null;
      status: string;
      checkpoint: unknown;
    }[];
    expect(jobs.every((j) => j.status === "done")).toBe(true);
    // Each job's checkpoint says which file it loaded: its parent's (after an exploit, the donor's).
    for (const job of jobs) {
      const stored = await fetch(`${server.url}/api/v1/jobs/${job.id}/checkpoint`);
      if (stored.status === 404) continue; // deleted by garbage collection: no later job needed it
      expect(await stored.json()).toMatchObject({ job: job.id, loadedFrom: job.parentId });
    }
    const pinned = await lineage(["checkpoint", "pin", name, ...url]);
    expect(pinned.code, pinned.stderr).toBe(0);
    const usage = JSON.parse((await lineage(["checkpoint", "usage", name, "--json", ...url])).stdout) as { pinned: number; best: { jobId: number } };
    expect(usage.pinned).toBe(1);
    const out = path.join(dir, "best.ckpt");
    const exported = await lineage(["export", name, "--checkpoint", "-o", out, ...url]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ job: usage.best.jobId });
  }, 120_000);
});

describe("lineage token", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { LINEAGE_AUTH: "on" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("creates, lists and revokes tokens; a worker token may not manage tokens", async () => {
    const admin = /\s(lin_\S+)/.exec(server.output())![1]!;
    const url = ["--url", server.url];
    expect((await lineage(["list", ...url])).code).toBe(1);
    const created = await lineage(["token", "create", "--role", "worker", "--name", "gpu workers", "--json", ...url, "--token", admin]);
    expect(created.code, created.stderr).toBe(0);
    const worker = JSON.parse(created.stdout) as { id: number; token: string; role: string };
    expect(worker.role).toBe("worker");
    expect((await lineage(["list", ...url], { LINEAGE_TOKEN: worker.token })).code).toBe(0);
    const refused = await lineage(["token", "list", ...url, "--token", worker.token]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[forbidden\]/);
    const list = await lineage(["token", "list", ...url, "--token", admin]);
    expect(list.stdout).toMatch(/gpu workers\s+worker\s+lin_/);
    expect(list.stdout).not.toContain(worker.token);
    expect((await lineage(["token", "revoke", String(worker.id), ...url, "--token", admin])).code).toBe(0);
    const revoked = await lineage(["list", ...url, "--token", worker.token]);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/\[unauthorized\]/);
  }, 60_000);
});
