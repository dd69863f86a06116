// Checkpoints over the worker HTTP API, through a real server: streamed uploads under a lease and
// every way one can be refused (nothing stored each time), downloads checked against the checksum
// (a damaged file is refused, not served), and the JSON rules of the other routes kept. PGlite with
// the directory store; PostgreSQL with the S3 store on s3rver.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { startLocalS3, type LocalS3 } from "../testing/localS3";
import { get, postJson, sha256, uploadCheckpoint, type Answer } from "../testing/checkpointHttp";

const LIMIT = 3 * 1024 * 1024;

const CONFIG = {
  name: "checkpoints over http",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 3 },
  hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 }, explore: { kind: "perturb" } } },
  seed: 3,
};
const NAME = encodeURIComponent(CONFIG.name);

describeEachDatabase("checkpoints over HTTP", (kind) => {
  let server: RunningServer;
  let s3: LocalS3 | null = null;
  let dataDir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-checkpoint-api-"));
    const pgDatabase = kind === "postgres" ? await createPostgresDatabase() : null;
    s3 = kind === "postgres" ? await startLocalS3() : null;
    Object.assign(process.env, s3?.env("api/") ?? {});
    server = await startServer(
      parseEnv({
        ...process.env,
        PORT: "0",
        LINEAGE_UI: "off",
        LINEAGE_DATA_DIR: dataDir,
        DATABASE_URL: pgDatabase?.url ?? "",
        LINEAGE_MAX_CHECKPOINT_BYTES: String(LIMIT),
        LINEAGE_CHECKPOINT_STORE: s3 ? `s3://${s3.bucket}/api/` : "",
      }),
    );
    cleanup = async () => {
      await server.close();
      await s3?.close();
      await pgDatabase?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  });
  afterAll(async () => {
    await cleanup?.();
  });

  /** Every object in the store (the directory's files under experiments/, or the bucket's). */
  async function storedObjects(): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of server.scheduler.deps.checkpoints.list("")) keys.push(o.key);
    return keys;
  }

  async function claim(): Promise<{ id: number; parentId: number | null; leaseToken: string }> {
    const answer = await postJson(server.url, `/experiments/${NAME}/next-job`, { workerId: "w" });
    expect(answer.json.status, JSON.stringify(answer.json)).toBe("job");
    return { id: answer.json.job.id, parentId: answer.json.job.parentId, leaseToken: answer.json.leaseToken };
  }

  function expectError(answer: Answer, status: number, code: string, message?: RegExp) {
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
    if (message) expect(answer.json.error.message).toMatch(message);
  }

  it("uploads a checkpoint in a stream and serves it back with its size and checksum", async () => {
    expect((await postJson(server.url, "/experiments", CONFIG)).status).toBe(201);
    const a = await claim();
    const bytes = randomBytes(2 * 1024 * 1024 + 17);
    const up = await uploadCheckpoint(server.url, a.id, bytes, { leaseToken: a.leaseToken, sha256: sha256(bytes) });
    expect(up.status, JSON.stringify(up.json)).toBe(200);
    expect(up.json.checkpoint).toMatchObject({ size: bytes.length, sha256: sha256(bytes), pinned: false, deletedAt: null });
    // Chunked (no declared length) works the same.
    const chunked = await uploadCheckpoint(server.url, a.id, bytes, { leaseToken: a.leaseToken, declare: false });
    expect(chunked.status, JSON.stringify(chunked.json)).toBe(200);
    expect((await storedObjects()).length).toBe(1);

    const down = await get(server.url, `/jobs/${a.id}/checkpoint`);
    expect(down.status).toBe(200);
    expect(down.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length),
      "x-lineage-checksum-sha256": sha256(bytes),
      "x-lineage-job-id": String(a.id),
    });
    expect(down.headers["content-disposition"]).toMatch(/attachment; filename="checkpoints_over_http-job-\d+\.ckpt"/);
    expect(down.body.equals(bytes)).toBe(true);
    expect((await postJson(server.url, `/jobs/${a.id}/complete`, { leaseToken: a.leaseToken, results: { score: 0.9 } })).status).toBe(200);

    // The job's own record, and the experiment's usage.
    expect((await get(server.url, `/jobs/${a.id}`)).json.checkpoint).toMatchObject({ size: bytes.length });
    const usage = await get(server.url, `/experiments/${NAME}/checkpoints`);
    expect(usage.json).toMatchObject({
      stored: { count: 1, bytes: bytes.length },
      retain: "needed",
      best: { jobId: a.id, checkpoint: { sha256: sha256(bytes) } },
    });
    const best = await get(server.url, `/experiments/${NAME}/best-checkpoint`);
    expect(best.body.equals(bytes)).toBe(true);

    // A first generation continues no checkpoint; the job after member 0's continues from it.
    const b = await claim();
    expectError(await get(server.url, `/jobs/${b.id}/parent-checkpoint`), 404, "checkpoint_not_found", /first generation/);
    expect((await postJson(server.url, `/jobs/${b.id}/fail`, { leaseToken: b.leaseToken, error: "x" })).status).toBe(200);
  });

  it("refuses uploads without the lease, with another job's, over the limit, to a finished job or not as raw bytes, storing nothing", async () => {
    const before = await storedObjects();
    const usageBefore = (await get(server.url, `/experiments/${NAME}/checkpoints`)).json;
    const job = await claim();
    const other = await claim();
    const bytes = randomBytes(1000);
    expectError(await uploadCheckpoint(server.url, job.id, bytes, {}), 400, "invalid_input", /leaseToken: /);
    expectError(await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: other.leaseToken }), 409, "lease_invalid", /does not match/);
    expectError(await uploadCheckpoint(server.url, 999_999, bytes, { leaseToken: job.leaseToken }), 404, "job_not_found");
    expectError(await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken, sha256: "abc" }), 400, "invalid_input", /sha256/);
    expectError(
      await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken, sha256: sha256(Buffer.from("other")) }),
      400,
      "checksum_mismatch",
    );
    expectError(
      await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken, contentType: "application/json" }),
      415,
      "unsupported_media_type",
      /application\/octet-stream/,
    );
    // Over the limit: declared (refused before a byte is read), and undeclared (refused as it streams).
    const big = randomBytes(LIMIT + 1);
    expectError(await uploadCheckpoint(server.url, job.id, big, { leaseToken: job.leaseToken }), 413, "body_too_large", /LINEAGE_MAX_CHECKPOINT_BYTES/);
    expectError(await uploadCheckpoint(server.url, job.id, big, { leaseToken: job.leaseToken, declare: false }), 413, "body_too_large");
    // A lease token in the query string is refused, as on every route (it would end up in logs).
    const inQuery = await new Promise<number>((resolve) => {
      import("node:http").then((http) =>
        http
          .request(
            `${server.url}/api/v1/jobs/${job.id}/checkpoint?leaseToken=${job.leaseToken}`,
            { method: "PUT", headers: { "content-type": "application/octet-stream" } },
            (r) => {
              r.resume();
              resolve(r.statusCode!);
            },
          )
          .end(bytes),
      );
    });
    expect(inQuery).toBe(400);
    // A finished job's lease is over.
    expect((await postJson(server.url, `/jobs/${job.id}/complete`, { leaseToken: job.leaseToken, results: { score: 0.5 } })).status).toBe(200);
    expectError(await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken }), 409, "lease_invalid", /is done/);

    expect(await storedObjects()).toEqual(before);
    expect((await get(server.url, `/jobs/${job.id}`)).json.checkpoint).toBeNull();
    expect((await get(server.url, `/experiments/${NAME}/checkpoints`)).json.stored).toEqual(usageBefore.stored);
    // The server still answers on the same footing (connections refused mid-body were closed cleanly).
    const ok = await uploadCheckpoint(server.url, other.id, bytes, { leaseToken: other.leaseToken });
    expect(ok.status).toBe(200);
    await postJson(server.url, `/jobs/${other.id}/complete`, { leaseToken: other.leaseToken, results: { score: 0.1 } });
  });

  it("leaves nothing half-written when the client goes away mid-upload; the same job uploads again", async () => {
    const job = await claim();
    const before = await storedObjects();
    const bytes = randomBytes(LIMIT - 10);
    const cut = await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken, cutAfter: 1024 * 1024 });
    expect(cut.status).toBe(0);
    if (kind === "pglite") {
      // The server notices the cut connection and removes its unfinished file: wait for that.
      const incoming = path.join(dataDir, "checkpoints", ".incoming");
      for (let i = 0; i < 400 && readdirSync(incoming).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(readdirSync(incoming)).toEqual([]);
    }
    // (S3: the part never reached the store; a multipart upload is invisible until completed.)
    expect(await storedObjects()).toEqual(before);
    expect((await get(server.url, `/jobs/${job.id}`)).json.checkpoint).toBeNull();
    const again = await uploadCheckpoint(server.url, job.id, bytes, { leaseToken: job.leaseToken, sha256: sha256(bytes) });
    expect(again.status).toBe(200);
    expect((await get(server.url, `/jobs/${job.id}/checkpoint`)).body.equals(bytes)).toBe(true);
    await postJson(server.url, `/jobs/${job.id}/complete`, { leaseToken: job.leaseToken, results: { score: 0.95 } });
  });

  it("refuses a damaged file in the store with a clear error instead of serving it", async () => {
    const best = (await get(server.url, `/experiments/${NAME}/checkpoints`)).json.best;
    const row = await server.database.prisma.job.findUniqueOrThrow({ where: { id: best.jobId } });
    const size = Number(row.checkpointSize);
    const damaged = randomBytes(size);
    if (kind === "pglite") writeFileSync(path.join(dataDir, "checkpoints", ...row.checkpointKey!.split("/")), damaged);
    else await s3!.store("api/").write(row.checkpointKey!, Readable.from([damaged]));
    for (const route of [`/jobs/${best.jobId}/checkpoint`, `/experiments/${NAME}/best-checkpoint`]) {
      const answer = await get(server.url, route);
      expectError(answer, 500, "checkpoint_corrupt", new RegExp(`SHA-256 is ${sha256(damaged)}, the upload's was ${row.checkpointSha256}`));
      expect(answer.body.length).toBeLessThan(2000);
    }
    // Truncated: caught by its size before it is read.
    if (kind === "pglite") writeFileSync(path.join(dataDir, "checkpoints", ...row.checkpointKey!.split("/")), damaged.subarray(0, 10));
    else await s3!.store("api/").write(row.checkpointKey!, Readable.from([damaged.subarray(0, 10)]));
    expectError(await get(server.url, `/jobs/${best.jobId}/checkpoint`), 500, "checkpoint_corrupt", /size is 10 bytes/);
  });

  it("keeps the JSON rules of every other route, and describes the checkpoint routes in the OpenAPI document", async () => {
    const job = await claim();
    const heartbeat = await new Promise<number>((resolve) => {
      import("node:http").then((http) =>
        http
          .request(`${server.url}/api/v1/jobs/${job.id}/heartbeat`, { method: "PUT", headers: { "content-type": "application/octet-stream" } }, (r) => {
            r.resume();
            resolve(r.statusCode!);
          })
          .end(JSON.stringify({ leaseToken: job.leaseToken })),
      );
    });
    expect(heartbeat).toBe(405);
    const octetPost = await new Promise<Answer>((resolve) => {
      import("node:http").then((http) => {
        const r = http.request(
          `${server.url}/api/v1/jobs/${job.id}/heartbeat`,
          { method: "POST", headers: { "content-type": "application/octet-stream" } },
          (res) => {
            const chunks: Buffer[] = [];
            res
              .on("data", (c) => chunks.push(c))
              .on("end", () =>
                resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), json: JSON.parse(Buffer.concat(chunks).toString()) }),
              );
          },
        );
        r.end("{}");
      });
    });
    expectError(octetPost, 415, "unsupported_media_type");
    const doc = (await get(server.url, "/openapi.json")).json;
    const put = doc.paths["/api/v1/jobs/{id}/checkpoint"].put;
    expect(put.requestBody.content["application/octet-stream"]).toBeDefined();
    expect(put.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual([
      "header:x-lineage-checksum-sha256",
      "header:x-lineage-lease-token",
      "path:id",
    ]);
    expect(doc.paths["/api/v1/jobs/{id}/parent-checkpoint"].get.responses["200"].content["application/octet-stream"]).toBeDefined();
    await postJson(server.url, `/jobs/${job.id}/fail`, { leaseToken: job.leaseToken, error: "x" });
  });
});
