// A server killed with SIGKILL in the middle of an upload: no partial checkpoint becomes visible
// (the job has none, the store's listing shows none), and once the job's lease runs out its retry
// uploads again. The real server process, real HTTP, a real kill.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { get, postJson, sha256, uploadCheckpoint } from "../testing/checkpointHttp";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-checkpoint-kill-"));
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

const CONFIG = {
  name: "killed mid-upload",
  metric: "score",
  populationSize: 1,
  stop: { maxGenerations: 2 },
  hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 } } },
  leaseSeconds: 5,
  maxRetries: 2,
};

async function until<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const incoming = path.join(dataDir, "checkpoints", ".incoming");
const visible = path.join(dataDir, "checkpoints", "experiments");
const visibleFiles = () => (existsSync(visible) ? readdirSync(visible, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0);

describe("checkpoint upload when the server is killed", () => {
  it("leaves no partial checkpoint visible, and the retried job uploads again", async () => {
    const first = await startServerProcess({ dataDir, env: { LINEAGE_REAPER_INTERVAL_MS: "100" } });
    servers.push(first);
    expect((await postJson(first.url, "/experiments", CONFIG)).status).toBe(201);
    const claimed = (await postJson(first.url, `/experiments/${encodeURIComponent(CONFIG.name)}/next-job`, { workerId: "w" })).json;
    const job = claimed.job as { id: number; generation: number; parentId: number | null };

    // 32 MiB announced, 4 MiB sent: the server is writing the checkpoint when it is killed.
    const request = http.request(`${first.url}/api/v1/jobs/${job.id}/checkpoint`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream", "content-length": String(32 * 1024 * 1024), "x-lineage-lease-token": claimed.leaseToken },
    });
    request.on("error", () => {});
    request.write(randomBytes(4 * 1024 * 1024));
    await until("the server to write the upload", () => existsSync(incoming) && readdirSync(incoming).some((f) => statSync(path.join(incoming, f)).size > 0));
    await first.kill();
    request.destroy();
    expect(visibleFiles()).toBe(0);

    const second = await startServerProcess({ dataDir, env: { LINEAGE_REAPER_INTERVAL_MS: "100" } });
    servers.push(second);
    expect((await get(second.url, `/jobs/${job.id}`)).json.checkpoint).toBeNull();
    const missing = await get(second.url, `/jobs/${job.id}/checkpoint`);
    expect({ status: missing.status, code: missing.json.error.code }).toEqual({ status: 404, code: "checkpoint_not_found" });

    // The lease runs out (no heartbeats from the dead upload's worker): the job is retried.
    const retry = await until("the retry to be handed out", async () => {
      const answer = (await postJson(second.url, `/experiments/${encodeURIComponent(CONFIG.name)}/next-job`, { workerId: "w2" })).json;
      return answer.status === "job" ? answer : null;
    });
    expect(retry.job).toMatchObject({ generation: job.generation, attempt: 1, parentId: job.parentId });
    expect((await get(second.url, `/jobs/${job.id}`)).json).toMatchObject({ status: "crashed", checkpoint: null });
    const bytes = randomBytes(6 * 1024 * 1024);
    const uploaded = await uploadCheckpoint(second.url, retry.job.id, bytes, { leaseToken: retry.leaseToken, sha256: sha256(bytes) });
    expect(uploaded.status, JSON.stringify(uploaded.json)).toBe(200);
    expect((await postJson(second.url, `/jobs/${retry.job.id}/complete`, { leaseToken: retry.leaseToken, results: { score: 1 } })).status).toBe(200);
    expect((await get(second.url, `/jobs/${retry.job.id}/checkpoint`)).body.equals(bytes)).toBe(true);
    // Exactly the retry's checkpoint is visible; the killed upload's bytes stay unfinished, unnamed.
    expect(visibleFiles()).toBe(1);
    await second.stop();
  }, 120_000);
});
