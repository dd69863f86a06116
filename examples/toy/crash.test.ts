// A worker killed in the middle of a job: its lease runs out, the job is retried by another
// worker, and the experiment still finishes with every generation.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../../server/testing/lineages";
import { waitFor } from "../../server/testing/waitFor";
import { call, experimentPath } from "./http";
import { toyExperiment } from "./problem";

const WORKER = path.join(import.meta.dirname, "worker.ts");

function startWorker(url: string, experiment: string, id: string, extra: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, "--url", url, "--experiment", experiment, "--worker-id", id, ...extra], {
    stdio: "ignore",
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exit };
}

type Job = LineageJob & { workerId: string | null; error: string | null };

describe("a worker killed mid-job", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("is retried after its lease expires and the experiment still finishes", async () => {
    const name = "crash test";
    await call(server.url, "POST", "/experiments", { ...toyExperiment(name, { pbt: true, maxGenerations: 3 }), leaseSeconds: 5 });
    // Slow steps: the job is still running when the worker is killed.
    const doomed = startWorker(server.url, name, "doomed", ["--step-delay-ms", "5000"]);
    const held = await waitFor(
      async () => (await call<Job[]>(server.url, "GET", `${experimentPath(name)}/jobs`)).find((j) => j.status === "running" && j.workerId === "doomed"),
      { intervalMs: 100, what: "the doomed worker to get a job" },
    );
    doomed.child.kill("SIGKILL");
    await doomed.exit;

    const survivor = startWorker(server.url, name, "survivor");
    expect(await survivor.exit).toBe(0);

    const jobs = await call<Job[]>(server.url, "GET", `${experimentPath(name)}/jobs`);
    const crashed = jobs.find((j) => j.id === held.id)!;
    expect(crashed.status).toBe("crashed");
    expect(crashed.error).toMatch(/lease expired/);
    const retry = jobs.find((j) => j.member === held.member && j.generation === held.generation && j.attempt === held.attempt + 1);
    expect(retry).toMatchObject({ status: "done", workerId: "survivor" });
    expectCompleteLineages(jobs, 2, 3);
    expect((await call<{ status: string }>(server.url, "GET", experimentPath(name))).status).toBe("done");
  }, 120_000);

  it("a worker that hangs loses its job to a retry; when it wakes up, its late report gets 409 and changes nothing", async () => {
    const name = "hang test";
    await call(server.url, "POST", "/experiments", { ...toyExperiment(name, { pbt: true, maxGenerations: 2 }), leaseSeconds: 5 });
    const sleeper = spawn(
      process.execPath,
      ["--import", "tsx", WORKER, "--url", server.url, "--experiment", name, "--worker-id", "sleeper", "--step-delay-ms", "1000"],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    sleeper.stderr!.on("data", (d) => (stderr += d));
    const sleeperExit = new Promise<number | null>((resolve) => sleeper.on("exit", (code) => resolve(code)));
    const held = await waitFor(
      async () => (await call<Job[]>(server.url, "GET", `${experimentPath(name)}/jobs`)).find((j) => j.status === "running" && j.workerId === "sleeper"),
      { intervalMs: 50, what: "the sleeper to get a job" },
    );
    sleeper.kill("SIGSTOP"); // hangs: no heartbeat, no report
    const survivor = startWorker(server.url, name, "survivor");
    expect(await survivor.exit).toBe(0);
    const before = await call<Job[]>(server.url, "GET", `${experimentPath(name)}/jobs`);
    expect(before.find((j) => j.id === held.id)!.status).toBe("crashed");
    sleeper.kill("SIGCONT");
    expect(await sleeperExit).not.toBe(0);
    expect(stderr).toMatch(/409 lease_invalid/);
    const after = await call<Job[]>(server.url, "GET", `${experimentPath(name)}/jobs`);
    expect(after).toEqual(before);
  }, 120_000);
});
