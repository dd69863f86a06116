// `npm run demo` end to end, small: a real server, the demo script against it (--no-server),
// worker processes training real (tiny) slices of MNIST; and the demo with its own server, which
// keeps serving the finished run until Ctrl-C.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../../server/testing/lineages";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "lineage-mnist-demo-"));
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "demo.ts"), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

type Job = { id: number; member: number; generation: number; status: string; score: number | null; parentId: number | null; results: Record<string, unknown> };

describe("npm run demo", () => {
  it("runs MNIST with PBT to the end against a running server", async () => {
    const checkpoints = path.join(tmp, "checkpoints");
    const args = [
      "--no-server",
      "--url",
      server.url,
      "--population",
      "4",
      "--generations",
      "3",
      "--examples-per-job",
      "300",
      "--log-every",
      "150",
      "--batch-size",
      "30",
      "--workers",
      "2",
      "--progress-seconds",
      "1",
      "--checkpoint-dir",
      checkpoints,
      "--name",
      "MNIST demo test",
      "--exit-when-done",
    ];
    const { code, output } = await runDemo(args);
    expect(code, output).toBe(0);
    expect(output).toContain(`Dashboard: ${server.url}/experiments/MNIST%20demo%20test`);
    expect(output).toMatch(/Best max_accuracy of generation 0: 0\.\d{4}/);
    expect(output).toMatch(/Final best max_accuracy: +0\.\d{4}/);

    const experiment = (await (await fetch(`${server.url}/api/v1/experiments/${encodeURIComponent("MNIST demo test")}`)).json()) as { status: string };
    expect(experiment.status).toBe("done");
    const jobs = (await (await fetch(`${server.url}/api/v1/experiments/${encodeURIComponent("MNIST demo test")}/jobs`)).json()) as Job[];
    const done = jobs.filter((j) => j.status === "done");
    // Every member's lineage reached generation 2 (a copy jumps with its donor, skipping generations).
    expectCompleteLineages(jobs as unknown as LineageJob[], 4, 3);
    const best = done.reduce((a, j) => (j.score! > a.score! ? j : a));
    expect(best.score).toBeGreaterThan(0.3); // 900 examples of training: well above chance (0.1)
    expect(best.results.max_accuracy).toBe(best.score);
    expect(best.results.model_path).toBe(path.join(checkpoints, `job-${best.id}.bin`));
    expect(existsSync(best.results.model_path as string)).toBe(true);
    // Steps count on along the lineage (10 mini-batches a job): through the parents, which after
    // an exploit are the donor's jobs.
    let chain = 0;
    for (let j: Job | undefined = best; j; j = jobs.find((p) => p.id === j!.parentId)) chain++;
    expect(chain).toBeGreaterThanOrEqual(3);
    expect(best.results.step).toBe(10 * chain);

    // A second run with the same name gets a suffix instead of failing.
    const again = await runDemo([
      ...args.slice(0, 3),
      "--population",
      "1",
      "--generations",
      "1",
      "--examples-per-job",
      "30",
      "--name",
      "MNIST demo test",
      "--checkpoint-dir",
      checkpoints,
    ]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Experiment "MNIST demo test 2"');
  });

  it("keeps its own server serving the finished run, says where to look, and stops it at Ctrl-C", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(ROOT, "scripts", "demo.ts"),
        "--population",
        "1",
        "--generations",
        "1",
        "--examples-per-job",
        "30",
        "--batch-size",
        "30",
        "--log-every",
        "30",
        "--workers",
        "1",
        "--progress-seconds",
        "1",
        "--checkpoint-dir",
        path.join(tmp, "serve-checkpoints"),
        "--name",
        "MNIST demo serve",
      ],
      {
        cwd: ROOT,
        // The dashboard off: no build; the API alone shows the server is up.
        env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LINEAGE_UI: "off", LINEAGE_DATA_DIR: path.join(tmp, "serve-data") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const said = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => output.includes(text) && resolve();
        child.stdout.on("data", (d) => ((output += d), check()));
        child.stderr.on("data", (d) => (output += d));
        void exited.then(() => reject(new Error(`the demo exited before saying ${JSON.stringify(text)}:\n${output}`)));
      });
    try {
      await said("Press Ctrl-C to stop the server.");
      expect(output).toContain(`${url}/experiments/MNIST%20demo%20serve/analysis`);
      expect(output).toMatch(/Final best max_accuracy: +0\.\d{4}/);
      // The run is over, its workers are gone, and the server still answers.
      const experiment = (await (await fetch(`${url}/api/v1/experiments/${encodeURIComponent("MNIST demo serve")}`)).json()) as { status: string };
      expect(experiment.status).toBe("done");
      expect((await fetch(`${url}/api/v1/health`)).ok).toBe(true);
      child.kill("SIGINT");
      expect(await exited, output).toBe(0);
      await expect(fetch(`${url}/api/v1/health`)).rejects.toThrow();
    } finally {
      // The demo's own handler stops its workers and server (SIGKILL would leave them behind).
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }
  });
});
