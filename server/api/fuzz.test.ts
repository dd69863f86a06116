// Thousands of generated malformed requests against the HTTP API and tRPC: every answer is a 4xx
// with a stable error code, the server never answers 500 or dies, and the stored data is unchanged.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { dataChecksum } from "../testing/dataChecksum";
import { ERROR_STATUS } from "../domain/errors";

const VALID_CONFIG = {
  name: "fuzz target",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 3 },
  hyperparameters: { lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } } },
};

type Request = { method: string; path: string; body?: string; contentType?: string };

const nasty = fc.oneof(
  fc.constantFrom(
    '\'; DROP TABLE "Job"; --',
    "1 OR 1=1",
    "../../etc/passwd",
    "..",
    ".",
    "%2e%2e%2f",
    "\u0000",
    "名前 🧪",
    "a/b",
    "\\\\server",
    "NaN",
    "Infinity",
    "-1",
    "1e999",
    "",
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: -1 }),
  fc.double({ noNaN: true }),
  nasty,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** A valid experiment config broken in one way. */
const brokenConfig = fc.oneof(
  fc.constantFrom(...Object.keys(VALID_CONFIG)).map((key) => {
    const c: Record<string, unknown> = { ...VALID_CONFIG, name: "fuzz new" };
    delete c[key];
    return c;
  }),
  fc
    .tuple(
      fc.constantFrom("populationSize", "stop", "metric", "objective", "mode", "exploit", "hyperparameters", "leaseSeconds", "maxRetries", "seed"),
      wrongValue,
    )
    .map(([key, value]) => ({ ...VALID_CONFIG, name: "fuzz new", [key]: value })),
  // Names with control characters are among the ones refused.
  nasty
    // eslint-disable-next-line no-control-regex
    .filter((n) => n.length === 0 || /[\u0000-\u001f\u007f/\\]/.test(n) || n.trim() !== n || n === "." || n === "..")
    .map((name) => ({ ...VALID_CONFIG, name })),
  fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), wrongValue).map(([key, value]) => ({ ...VALID_CONFIG, name: "fuzz new", [`x_${key}`]: value })),
  wrongValue.map((init) => ({ ...VALID_CONFIG, name: "fuzz new", hyperparameters: { lr: { init } } })),
  fc
    .constantFrom("uniform", "loguniform", "int", "choice", "normal")
    .map((kind) => ({ ...VALID_CONFIG, name: "fuzz new", hyperparameters: { p: { init: { kind, low: 5, high: 1, values: [], std: -1, mean: "x" } } } })),
  fc.constant({ ...VALID_CONFIG, name: "fuzz new", hyperparameters: deep(60) }),
  fc.constant({ ...VALID_CONFIG, name: "fuzz target" }), // exists already: 409
);

function request(jobIds: number[]): fc.Arbitrary<Request> {
  const json = (value: unknown) => JSON.stringify(value);
  const jobId = fc.oneof(fc.constantFrom(...jobIds), fc.integer({ min: 100_000, max: 2 ** 31 - 1 }));
  const badJobSegment = fc.oneof(fc.constantFrom("0", "-5", "1.5", "abc", "99999999999999999999", "%00", "NaN"), nasty.map(encodeURIComponent));
  const missingName = nasty.filter((n) => n !== "fuzz target").map((n) => encodeURIComponent(`zz ${n}`));
  const anyBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map(json),
    fc.constantFrom("{", '{"a":NaN}', '{"results":{"score":Infinity}}', "[1,2", "null", '"text"', "1e400", '{"a":1}}', ""),
    fc.constant(json({ padding: "x".repeat(1024 * 1024 + 10) })),
    fc.constant(`${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`),
    fc.constant(`{"leaseToken":"x","results":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`),
  );
  return fc.oneof(
    brokenConfig.map((c) => ({ method: "POST", path: "/api/v1/experiments", body: json(c) })),
    fc.tuple(missingName, fc.constantFrom("next-job", "jobs", "status", "events", "schedule", "export")).chain(([name, what]) =>
      fc.record({
        method: fc.constant(what === "events" || what === "schedule" || what === "export" ? "GET" : "POST"),
        path: fc.constant(`/api/v1/experiments/${name}/${what}`),
        body: fc.constant(
          what === "events" || what === "schedule" || what === "export" ? undefined : what === "status" ? json({ status: "paused" }) : json({}),
        ),
      }),
    ),
    // Well-formed calls on real and unknown jobs, with a lease token that is not the job's.
    fc.tuple(jobId, fc.constantFrom("heartbeat", "metrics", "complete", "fail"), fc.string({ minLength: 1, maxLength: 30 })).map(([id, what, token]) => {
      const fields = { heartbeat: {}, metrics: { points: [{ step: 1, values: { a: 1 } }] }, complete: { results: { score: 1 } }, fail: { error: "x" } }[what];
      return { method: "POST", path: `/api/v1/jobs/${id}/${what}`, body: json({ leaseToken: `bad-${token}`, ...fields }) };
    }),
    fc.tuple(jobId, fc.constantFrom("metrics", "complete"), wrongValue).map(([id, what, junk]) => ({
      method: "POST",
      path: `/api/v1/jobs/${id}/${what}`,
      body: json({ leaseToken: "bad", results: junk, points: junk }),
    })),
    fc
      .tuple(badJobSegment, fc.constantFrom("heartbeat", "complete"))
      .map(([seg, what]) => ({ method: "POST", path: `/api/v1/jobs/${seg}/${what}`, body: json({ leaseToken: "x" }) })),
    fc
      .tuple(fc.constantFrom("/api/v1/experiments", "/api/v1/experiments/fuzz%20target/next-job", "/api/v1/jobs/1/complete"), anyBody)
      .map(([p, body]) => ({ method: "POST", path: p, body })),
    fc.constantFrom("PUT", "PATCH", "DELETE").map((method) => ({ method, path: "/api/v1/experiments" })),
    nasty.map((n) => ({ method: "GET", path: `/api/v1/${encodeURIComponent(n)}/x` })),
    fc.constant({ method: "POST", path: "/api/v1/experiments", body: json(VALID_CONFIG), contentType: "text/plain" }),
    fc.constant({ method: "GET", path: "/api/v1/experiments/%E0%A4%A/jobs" }),
    // tRPC: malformed inputs to each kind of procedure.
    fc
      .tuple(
        fc.constantFrom(
          "experiments.create",
          "jobs.push",
          "worker.nextJob",
          "worker.complete",
          "worker.heartbeat",
          "experiments.setStatus",
          "experiments.delete",
        ),
        wrongValue,
      )
      .map(([proc, input]) => ({
        method: "POST",
        path: `/api/trpc/${proc}`,
        body: json(
          proc === "experiments.create"
            ? { ...VALID_CONFIG, populationSize: input ?? "x" }
            : proc === "experiments.delete" || proc === "experiments.setStatus"
              ? { name: `zz-${JSON.stringify(input)}`, status: "paused" }
              : input,
        ),
      })),
    fc.tuple(fc.constantFrom("experiments.get", "jobs.get", "jobs.list", "experiments.events"), wrongValue).map(([proc, input]) => ({
      method: "GET",
      path: `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(proc === "experiments.get" ? { name: `zz-${JSON.stringify(input)}` } : input))}`,
    })),
    fc.constantFrom("{", "not json").map((body) => ({ method: "POST", path: "/api/trpc/experiments.create", body })),
    fc.constant({ method: "GET", path: "/api/trpc/no.such.procedure" }),
  );
}

describe("fuzzing the APIs with malformed requests", () => {
  let server: RunningServer;
  let dataDir: string;
  let jobIds: number[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-fuzz-"));
    server = await startServer(parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir }));
    // Some real data to protect: an experiment with a running and a finished job.
    const created = await server.scheduler.createExperiment({
      ...VALID_CONFIG,
      objective: "maximize",
      mode: "async",
      exploit: { kind: "truncate", fraction: 0.2 },
      leaseSeconds: 300,
      maxRetries: 3,
    } as never);
    const a = await server.scheduler.nextJob(created.name, "w");
    const b = await server.scheduler.nextJob(created.name, "w");
    if (a.status !== "job" || b.status !== "job") throw new Error("setup");
    await server.scheduler.completeJob(a.job.id, a.leaseToken, { score: 1 });
    jobIds = [a.job.id, b.job.id];
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers each of 2,000+ malformed requests with a 4xx and a stable code, and changes nothing", async () => {
    const before = await dataChecksum(server.database.prisma);
    const requests = fc.sample(request(jobIds), { numRuns: 2100, seed: 20261127 });
    const codes = new Map<string, number>();
    const httpCodes = new Set(Object.keys(ERROR_STATUS));
    for (const r of requests) {
      const response = await fetch(`${server.url}${r.path}`, {
        method: r.method,
        headers: r.body === undefined ? {} : { "content-type": r.contentType ?? "application/json" },
        body: r.body,
      });
      const text = await response.text();
      const where = `${r.method} ${r.path.slice(0, 120)} ${r.body?.slice(0, 200) ?? ""} → ${response.status} ${text.slice(0, 200)}`;
      expect(response.status, where).toBeGreaterThanOrEqual(400);
      expect(response.status, where).toBeLessThan(500);
      const body = JSON.parse(text);
      // The worker API answers { error: { code } }; tRPC answers { error: { data: { code, lineage } } }.
      const code: string | undefined = r.path.startsWith("/api/trpc") ? (body.error?.data?.lineage?.code ?? body.error?.data?.code) : body.error?.code;
      expect(typeof code, where).toBe("string");
      if (!r.path.startsWith("/api/trpc")) expect(httpCodes.has(code!), where).toBe(true);
      codes.set(code!, (codes.get(code!) ?? 0) + 1);
    }
    console.log(`fuzz: ${requests.length} requests, answers by code: ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(codes.size).toBeGreaterThan(6);
    expect(await dataChecksum(server.database.prisma)).toBe(before);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  }, 300_000);
});
