// The worker HTTP API, tRPC and socket.io through a real server on a real database.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { dataChecksum } from "../testing/dataChecksum";
import { waitFor } from "../testing/waitFor";
import type { AppRouter } from "./root";

const CONFIG = {
  name: "api test",
  metric: "accuracy",
  populationSize: 2,
  stop: { maxGenerations: 2 },
  hyperparameters: {
    lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb", factors: [0.8, 1.2] } },
    layers: { init: { kind: "choice", values: [1, 2, 4] }, explore: { kind: "shift" } },
  },
  seed: 11,
};

describeEachDatabase("API", (kind) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-api-"));
    const pgDatabase = kind === "postgres" ? await createPostgresDatabase() : null;
    server = await startServer(
      parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir, DATABASE_URL: pgDatabase?.url ?? "", LINEAGE_MAX_BODY_BYTES: "65536" }),
    );
    cleanup = async () => {
      await server.close();
      await pgDatabase?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    api = async (method, p, body, headers = {}) => {
      const response = await fetch(`${server.url}/api/v1${p}`, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it("runs a worker's cycle over HTTP", async () => {
    expect((await api("POST", "/experiments", CONFIG)).status).toBe(201);
    const next = await api("POST", `/experiments/${encodeURIComponent(CONFIG.name)}/next-job`, { workerId: "w1" });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ status: "job", job: { member: 0, generation: 0 } });
    const { job, leaseToken } = next.body;
    expect([1, 2, 4]).toContain(job.hyperparameters.layers);
    expect((await api("POST", `/jobs/${job.id}/heartbeat`, { leaseToken })).status).toBe(200);
    const metrics = await api("POST", `/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: 1, values: { accuracy: 0.5, loss: 2 } }] });
    expect(metrics).toEqual({ status: 200, body: { stored: 1 } });
    const done = await api("POST", `/jobs/${job.id}/complete`, { leaseToken, results: { accuracy: 0.7, model_path: "/tmp/m0" } });
    expect(done.body).toMatchObject({ status: "done", score: 0.7, results: { accuracy: 0.7, model_path: "/tmp/m0" } });
    const list = await api("GET", `/experiments/${encodeURIComponent(CONFIG.name)}/jobs?member=0`);
    expect(list.body.map((j: { id: number }) => j.id)).toEqual([job.id]);
  });

  it("answers bad input with a 4xx naming the field, and changes nothing", async () => {
    const name = encodeURIComponent(CONFIG.name);
    const claimed = await api("POST", `/experiments/${name}/next-job`, { workerId: "w2" });
    const { job, leaseToken } = claimed.body;
    const before = await dataChecksum(server.database.prisma);

    const cases: [string, string, unknown, number, string, string?][] = [
      ["POST", "/experiments/nope/next-job", {}, 404, "experiment_not_found"],
      ["POST", "/experiments", { ...CONFIG, name: "x", populationSize: "many" }, 400, "invalid_input", "populationSize"],
      ["POST", "/experiments", { ...CONFIG, name: "x", exploit: { kind: "roulette" } }, 400, "invalid_input", "exploit.kind"],
      [
        "POST",
        "/experiments",
        { ...CONFIG, name: "x", hyperparameters: { lr: { init: { kind: "uniform", low: 2, high: 1 } } } },
        400,
        "invalid_input",
        "hyperparameters.lr.init.high",
      ],
      ["POST", "/experiments", { ...CONFIG, name: "a/b" }, 400, "invalid_input", "name"],
      ["POST", "/experiments", { ...CONFIG, name: "new" }, 400, "invalid_input", "name"],
      ["POST", "/experiments", { ...CONFIG }, 409, "experiment_exists", "name"],
      ["POST", "/experiments", "{not json", 400, "invalid_json"],
      ["POST", `/jobs/${job.id}/complete`, { leaseToken, results: { loss: 1 } }, 400, "invalid_metric", "results.accuracy"],
      ["POST", `/jobs/${job.id}/complete`, { leaseToken, results: { accuracy: "nan" } }, 400, "invalid_metric", "results.accuracy"],
      ["POST", `/jobs/${job.id}/complete`, `{"leaseToken":"${leaseToken}","results":{"accuracy":NaN}}`, 400, "invalid_json"],
      ["POST", `/jobs/${job.id}/complete`, { leaseToken, results: { accuracy: Infinity } }, 400, "invalid_metric"], // JSON has no Infinity: sent as null
      ["POST", `/jobs/${job.id}/complete`, { leaseToken, results: [1, 2] }, 400, "invalid_input", "results"],
      ["POST", `/jobs/${job.id}/complete`, { leaseToken: "stale", results: { accuracy: 1 } }, 409, "lease_invalid", "leaseToken"],
      ["POST", `/jobs/${job.id}/complete`, { results: { accuracy: 1 } }, 400, "invalid_input", "leaseToken"],
      ["POST", "/jobs/987654/complete", { leaseToken, results: { accuracy: 1 } }, 404, "job_not_found"],
      ["POST", "/jobs/abc/heartbeat", { leaseToken }, 400, "invalid_input", "id"],
      ["POST", `/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: -1, values: { a: 1 } }] }, 400, "invalid_input", "points.0.step"],
      ["POST", `/jobs/${job.id}/heartbeat`, { leaseToken, extra: true }, 400, "invalid_input", "extra"],
      ["POST", `/experiments/${name}/jobs`, { hyperparameters: { unknown: 1 } }, 400, "invalid_input", "hyperparameters.unknown"],
      ["POST", `/experiments/${name}/status`, { status: "finished" }, 400, "invalid_input", "status"],
      [
        "POST",
        `/jobs/${job.id}/complete`,
        { leaseToken, results: { accuracy: 1, deep: JSON.parse("[".repeat(40) + "]".repeat(40)) } },
        400,
        "invalid_input",
        "results",
      ],
      ["POST", "/experiments", JSON.stringify({ ...CONFIG, name: "big", pad: "x".repeat(70_000) }), 413, "body_too_large"],
      ["PUT", "/experiments", {}, 405, "method_not_allowed"],
      ["GET", "/no/such/route", undefined, 404, "not_found"],
    ];
    for (const [method, p, body, status, code, field] of cases) {
      const answer = await api(method, p, body);
      expect({ case: `${method} ${p}`, status: answer.status, code: answer.body?.error?.code }).toEqual({ case: `${method} ${p}`, status, code });
      expect(answer.body.error.message.length).toBeGreaterThan(5);
      if (field) expect(answer.body.error.field).toBe(field);
    }
    const plainText = await api("POST", "/experiments", "name=x", { "content-type": "text/plain" });
    expect(plainText.body.error.code).toBe("unsupported_media_type");

    expect(await dataChecksum(server.database.prisma)).toBe(before);
  });

  it("serves an OpenAPI document covering the worker calls", async () => {
    const { status, body } = await api("GET", "/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    for (const p of [
      "/api/v1/experiments/{name}/next-job",
      "/api/v1/jobs/{id}/heartbeat",
      "/api/v1/jobs/{id}/metrics",
      "/api/v1/jobs/{id}/complete",
      "/api/v1/jobs/{id}/fail",
    ]) {
      expect(body.paths[p]?.post, p).toBeDefined();
    }
    const complete = body.paths["/api/v1/jobs/{id}/complete"].post;
    expect(complete.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
    expect(complete.requestBody.content["application/json"].schema.required).toEqual(["leaseToken", "results"]);
    expect(body.paths["/api/v1/experiments"].post.requestBody.content["application/json"].schema.properties.exploit).toBeDefined();
  });

  it("serves the same operations over tRPC, with our error codes", async () => {
    const trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/api/trpc` })] });
    const list = (await trpc.experiments.list.query()).items;
    expect(list.find((e) => e.name === CONFIG.name)).toMatchObject({ populationSize: 2, objective: "maximize" });
    const error = await trpc.experiments.get.query({ name: "missing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.lineage?.code).toBe("experiment_not_found");
    expect((error as TRPCClientError<AppRouter>).data?.httpStatus).toBe(404);
    const bad = await trpc.experiments.create.mutate({ ...CONFIG, name: "trpc bad", populationSize: 0 } as never).catch((e: unknown) => e);
    expect((bad as TRPCClientError<AppRouter>).data?.lineage).toMatchObject({ code: "invalid_input", field: "populationSize" });
  });

  it("streams an experiment's events over socket.io and resumes after a reconnect without gaps", async () => {
    const name = "socket test";
    await api("POST", "/experiments", { ...CONFIG, name });
    const received: number[] = [];
    const join = (socket: Socket, afterSeq: number) =>
      new Promise<{ ok: boolean; lastEventSeq: number }>((resolve) => socket.emit("join", { experiment: name, afterSeq }, resolve));
    const first = connect(server.url, { transports: ["websocket"], forceNew: true });
    first.on("event", (e: { seq: number }) => received.push(e.seq));
    const ack = await join(first, 0);
    expect(ack.ok).toBe(true);
    const one = (await api("POST", `/experiments/${encodeURIComponent(name)}/next-job`, {})).body;
    await waitFor(() => received.length >= 3);
    first.disconnect();
    const seen = received.at(-1)!;
    // While disconnected: more events.
    await api("POST", `/jobs/${one.job.id}/complete`, { leaseToken: one.leaseToken, results: { accuracy: 0.1 } });
    await api("POST", `/experiments/${encodeURIComponent(name)}/next-job`, {});
    const second = connect(server.url, { transports: ["websocket"], forceNew: true });
    second.on("event", (e: { seq: number }) => received.push(e.seq));
    const resumed = await join(second, seen);
    await api("POST", `/experiments/${encodeURIComponent(name)}/status`, { status: "paused" });
    const events = (await api("GET", `/experiments/${encodeURIComponent(name)}/events`)).body as { seq: number }[];
    await waitFor(() => received.at(-1) === events.at(-1)!.seq);
    second.disconnect();
    expect(resumed.lastEventSeq).toBeGreaterThan(seen);
    expect(received).toEqual(events.map((e) => e.seq));
    const missing = connect(server.url, { transports: ["websocket"], forceNew: true });
    const refused = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) => missing.emit("join", { experiment: "nope" }, resolve));
    missing.disconnect();
    expect(refused).toMatchObject({ ok: false, error: { code: "experiment_not_found" } });
  });
});
