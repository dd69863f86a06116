// Hostile input, class by class (encoding, numbers, prototype keys, depth and width, names), over
// real HTTP against a real server: the worker API under /api/v1 and tRPC under /api/trpc. Every
// answer is checked for a 5xx and for internal text (Prisma's or PostgreSQL's), and every class of
// refusals for leaving the stored data exactly as it was.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_ACCESS } from "../auth/roles";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import type { Scheduler } from "../scheduler";
import { dataChecksum } from "../testing/dataChecksum";
import type { ApiContext } from "./operations";
import { appRouter } from "./root";

const EXPERIMENT = "hostile";
const CONFIG = {
  name: EXPERIMENT,
  metric: "score",
  populationSize: 3,
  stop: { maxGenerations: 3 },
  hyperparameters: {
    lr: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } },
    decay: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 } },
    noise: { init: { kind: "normal", mean: 0, std: 1 } },
    layers: { init: { kind: "int", low: 1, high: 8 } },
    act: { init: { kind: "choice", values: ["relu", "tanh", { name: "gelu", approximate: true }] }, explore: { kind: "shift" } },
    tag: { init: { kind: "const", value: "v1" } },
  },
  seed: 5,
};

/** Text that only our own code should ever put in an answer; anything else is an internal leaking out. */
const INTERNAL_TEXT =
  /prisma|postgres|pglite|invalid byte sequence|unicode escape|must follow a high surrogate|out of range for type|invalid input syntax|violates|duplicate key|P20\d\d|call stack|TypeError|RangeError|cannot read prop|is not a function|undefined is not|\bat \S+ \(/i;

interface Answer {
  what: string;
  status: number;
  /** `error` of the worker API's answer, or tRPC's `error.data.lineage`. */
  error?: { code: string; message: string; field?: string; accepted?: string };
  body: any;
  text: string;
}

/** A deeply nested array, as JSON text (JSON.stringify would recurse). */
const deepArray = (levels: number, inner = "1") => `${"[".repeat(levels)}${inner}${"]".repeat(levels)}`;
const nested = (levels: number): unknown => JSON.parse(deepArray(levels));

const BAD_STRINGS: [string, string][] = [
  ["NUL", "a\u0000b"],
  ["lone high surrogate", "a\ud800b"],
  ["lone low surrogate", "\udfff"],
];

describeEachDatabase("hostile input", (kind) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const answers: { what: string; answer: Answer }[] = [];
  // A job held by a worker (its lease is ours), and a member with a finished job.
  let held: { id: number; leaseToken: string };

  async function call(what: string, url: string, init: RequestInit, trpc: boolean): Promise<Answer> {
    const response = await fetch(`${server.url}${url}`, init);
    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const error = trpc ? (body?.error?.data?.lineage ?? undefined) : body?.error;
    const answer = { what, status: response.status, error: error ?? undefined, body, text };
    answers.push({ what, answer });
    return answer;
  }

  /** The worker API. A string body is sent as is (for JSON that JSON.stringify cannot write). */
  const http = (method: string, p: string, body?: unknown) =>
    call(
      `${method} ${p}`,
      `/api/v1${p}`,
      {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      },
      false,
    );

  /** tRPC: a mutation is POSTed, a query is a GET with ?input=. */
  const trpc = (kindOf: "query" | "mutation", procedure: string, input: unknown) => {
    const json = typeof input === "string" ? input : JSON.stringify(input);
    return kindOf === "query"
      ? call(`trpc ${procedure}`, `/api/trpc/${procedure}?input=${encodeURIComponent(json)}`, { method: "GET" }, true)
      : call(`trpc ${procedure}`, `/api/trpc/${procedure}`, { method: "POST", headers: { "content-type": "application/json" }, body: json }, true);
  };

  type Expected = { status: number; code: string; field?: string | RegExp };
  function expectRefused(answer: Answer, expected: Expected, what = answer.what) {
    const seen = { what, status: answer.status, code: answer.error?.code, field: answer.error?.field };
    expect(seen, answer.text.slice(0, 300)).toMatchObject({ what, status: expected.status, code: expected.code });
    if (typeof expected.field === "string") expect(seen.field, what).toBe(expected.field);
    else if (expected.field) expect(seen.field, what).toMatch(expected.field);
    expect(answer.error!.message.length, what).toBeGreaterThan(5);
  }

  /** Runs refusals and checks that they left every stored row as it was. */
  async function unchanged(fn: () => Promise<void>) {
    const before = await dataChecksum(server.database.prisma);
    await fn();
    expect(await dataChecksum(server.database.prisma)).toBe(before);
  }

  const name = encodeURIComponent(EXPERIMENT);

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-hostile-"));
    const pgDatabase = kind === "postgres" ? await createPostgresDatabase() : null;
    server = await startServer(parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir, DATABASE_URL: pgDatabase?.url ?? "" }));
    cleanup = async () => {
      await server.close();
      await pgDatabase?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    expect((await http("POST", "/experiments", CONFIG)).status).toBe(201);
    const first = (await http("POST", `/experiments/${name}/next-job`, { workerId: "w" })).body;
    expect((await http("POST", `/jobs/${first.job.id}/complete`, { leaseToken: first.leaseToken, results: { score: 0.5 } })).status).toBe(200);
    const second = (await http("POST", `/experiments/${name}/next-job`, { workerId: "w" })).body;
    held = { id: second.job.id, leaseToken: second.leaseToken };
  });

  afterAll(async () => {
    await cleanup?.();
  });

  it("encoding: a NUL or a lone surrogate anywhere is a 400 naming the field", async () => {
    const { id, leaseToken } = held;
    await unchanged(async () => {
      for (const [label, s] of BAD_STRINGS) {
        const cases: [() => Promise<Answer>, string | RegExp][] = [
          [() => http("POST", `/experiments/${name}/next-job`, { workerId: s }), "workerId"],
          [() => http("POST", `/jobs/${id}/complete`, { leaseToken, results: { score: 1, note: s } }), "results.note"],
          [() => http("POST", `/jobs/${id}/complete`, { leaseToken, results: { score: 1, [s]: 1 } }), /^results\./],
          [() => http("POST", `/jobs/${id}/complete`, { leaseToken, results: { score: 1, deep: { list: [1, s] } } }), "results.deep.list.1"],
          [() => http("POST", `/jobs/${id}/metrics`, { leaseToken, points: [{ step: 1, values: { [s]: 1 } }] }), /^points\.0\.values\./],
          [() => http("POST", `/jobs/${id}/fail`, { leaseToken, error: s }), "error"],
          [() => http("POST", `/jobs/${id}/heartbeat`, { leaseToken: s }), "leaseToken"],
          [() => http("POST", "/tokens", { name: s, role: "viewer" }), "name"],
          [() => http("POST", "/experiments", { ...CONFIG, name: s }), "name"],
          [
            () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { c: { init: { kind: "choice", values: ["a", s] } } } }),
            "hyperparameters.c.init.values.1",
          ],
          [
            () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { c: { init: { kind: "const", value: { k: s } } } } }),
            "hyperparameters.c.init.value.k",
          ],
          [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { act: s } }), "hyperparameters.act"],
          // encodeURIComponent refuses lone surrogates: in a path they come as UTF-8-encoded surrogates.
          [() => http("GET", `/experiments/x${s.includes("\u0000") ? "%00" : "%ED%A0%80"}`), "name"],
          [() => trpc("mutation", "worker.nextJob", { name: EXPERIMENT, workerId: s }), "workerId"],
          [() => trpc("mutation", "worker.complete", { id, leaseToken, results: { score: 1, note: s } }), "results.note"],
          [() => trpc("mutation", "worker.logMetrics", { id, leaseToken, points: [{ step: 1, values: { [s]: 1 } }] }), /^points\.0\.values\./],
          [() => trpc("mutation", "worker.fail", { id, leaseToken, error: s }), "error"],
          [() => trpc("mutation", "tokens.create", { name: s, role: "viewer" }), "name"],
          [() => trpc("mutation", "experiments.create", { ...CONFIG, name: s }), "name"],
          [() => trpc("mutation", "jobs.push", { name: EXPERIMENT, hyperparameters: { act: s } }), "hyperparameters.act"],
          [() => trpc("query", "experiments.get", { name: s }), "name"],
        ];
        for (const [pending, field] of cases) {
          const answer = await pending();
          expectRefused(answer, { status: 400, code: "invalid_input", field }, `${label}: ${answer.what}`);
        }
      }
      // Bytes that are not UTF-8 become U+FFFD, which is storable: refused for what they say, not a 500.
      const raw = Buffer.concat([Buffer.from(`{"leaseToken":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`"}`)]);
      const response = await fetch(`${server.url}/api/v1/jobs/${id}/heartbeat`, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
      expect(response.status).toBe(409);
      // A UTF-8-encoded surrogate in the path cannot even be decoded.
      expectRefused(await http("GET", "/experiments/%ED%A0%80"), { status: 400, code: "invalid_input", field: "name" });
    });
  });

  it("encoding: a call that PostgreSQL would refuse never reaches the shared batch", async () => {
    // Honest workers and hostile ones (a NUL in results) report at the same time: the hostile
    // calls are answered 400 before any batch, so the honest ones share their batches untouched.
    const name2 = "hostile batch";
    expect(
      (await http("POST", "/experiments", { ...CONFIG, name: name2, populationSize: 16, hyperparameters: { lr: CONFIG.hyperparameters.lr } })).status,
    ).toBe(201);
    const jobs = await Promise.all(
      Array.from({ length: 16 }, async () => (await http("POST", `/experiments/${encodeURIComponent(name2)}/next-job`, { workerId: "w" })).body),
    );
    const [hostile, honest] = [jobs.slice(0, 4), jobs.slice(4)];
    const answers2 = await Promise.all([
      ...hostile.map((j) => http("POST", `/jobs/${j.job.id}/complete`, { leaseToken: j.leaseToken, results: { score: 1, note: "\u0000" } })),
      ...honest.map((j) => http("POST", `/jobs/${j.job.id}/complete`, { leaseToken: j.leaseToken, results: { score: 0.5 } })),
    ]);
    expect(answers2.slice(0, 4).map((a) => [a.status, a.error?.code])).toEqual(Array(4).fill([400, "invalid_input"]));
    expect(answers2.slice(4).map((a) => a.status)).toEqual(Array(12).fill(200));
    for (const j of hostile) expect((await http("GET", `/jobs/${j.job.id}`)).body.status).toBe("running");
  });

  it("numbers: ids, members and sequence numbers past 32 bits are a 400, not PostgreSQL's overflow", async () => {
    const { id, leaseToken } = held;
    await unchanged(async () => {
      const cases: [() => Promise<Answer>, string][] = [
        [() => http("GET", `/experiments/${name}/events?afterSeq=2147483648`), "afterSeq"],
        [() => http("GET", `/experiments/${name}/events?afterSeq=9007199254740993`), "afterSeq"],
        [() => http("GET", `/experiments/${name}/events?afterSeq=-1`), "afterSeq"],
        [() => http("GET", `/experiments/${name}/events?limit=2147483648`), "limit"],
        [() => http("GET", `/experiments/${name}/jobs?member=2147483648`), "member"],
        [() => http("GET", `/experiments/${name}/jobs?member=1.5`), "member"],
        [() => http("POST", `/experiments/${name}/jobs`, { member: 2147483648 }), "member"],
        [() => http("POST", `/experiments/${name}/jobs`, { member: 3 }), "member"],
        [() => http("POST", "/jobs/2147483648/heartbeat", { leaseToken }), "id"],
        [() => http("POST", "/jobs/99999999999999999999/heartbeat", { leaseToken }), "id"],
        [() => http("GET", "/jobs/-1"), "id"],
        [() => http("GET", "/jobs/0x10"), "id"],
        [() => http("GET", "/jobs/1e3"), "id"],
        [() => http("DELETE", "/tokens/2147483648"), "id"],
        [() => http("POST", `/jobs/${id}/metrics`, { leaseToken, points: [{ step: 2147483648, values: { score: 1 } }] }), "points.0.step"],
        [() => http("POST", "/experiments", { ...CONFIG, name: "x", populationSize: 2 ** 31 }), "populationSize"],
        [() => http("POST", "/experiments", { ...CONFIG, name: "x", seed: 2 ** 31 }), "seed"],
        [() => http("POST", "/experiments", { ...CONFIG, name: "x", leaseSeconds: 1e12 }), "leaseSeconds"],
        [() => http("POST", "/experiments", { ...CONFIG, name: "x", stop: { maxGenerations: 2 ** 53 } }), "stop.maxGenerations"],
        // Distributions whose sampling would overflow to Infinity (null in JSON) or never draw.
        [
          () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { u: { init: { kind: "uniform", low: -1.7e308, high: 1.7e308 } } } }),
          "hyperparameters.u.init.high",
        ],
        [
          () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { n: { init: { kind: "normal", mean: 0, std: 1e308 } } } }),
          "hyperparameters.n.init.std",
        ],
        [
          () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { n: { init: { kind: "normal", mean: 1.7e308, std: 1e307 } } } }),
          "hyperparameters.n.init.std",
        ],
        [
          () =>
            http("POST", "/experiments", {
              ...CONFIG,
              name: "x",
              hyperparameters: { c: { init: { kind: "choice", values: [1, 2], weights: [1e308, 1e308] } } },
            }),
          "hyperparameters.c.init.weights",
        ],
        [
          () =>
            http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { i: { init: { kind: "int", low: -(2 ** 53 - 1), high: 2 ** 53 - 1 } } } }),
          "hyperparameters.i.init.high",
        ],
        [
          () => http("POST", "/experiments", { ...CONFIG, name: "x", hyperparameters: { i: { init: { kind: "int", low: 0, high: 2 ** 60 } } } }),
          "hyperparameters.i.init.high",
        ],
        // A pushed job's values are values its distributions could have given.
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { lr: 1e300 } }), "hyperparameters.lr"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { lr: -0.5 } }), "hyperparameters.lr"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { decay: 0 } }), "hyperparameters.decay"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { layers: 9 } }), "hyperparameters.layers"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { layers: 2.5 } }), "hyperparameters.layers"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { noise: "1" } }), "hyperparameters.noise"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { act: "sigmoid" } }), "hyperparameters.act"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { act: { name: "gelu" } } }), "hyperparameters.act"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { tag: "v2" } }), "hyperparameters.tag"],
        [() => trpc("query", "experiments.events", { name: EXPERIMENT, afterSeq: 2 ** 31 }), "afterSeq"],
        [() => trpc("query", "jobs.get", { id: 2 ** 31 }), "id"],
        [() => trpc("query", "jobs.list", { name: EXPERIMENT, member: 2 ** 31 }), "member"],
        [() => trpc("query", "dashboard.job", { id: 2 ** 53 }), "id"],
        [() => trpc("mutation", "tokens.revoke", { id: 2 ** 31 }), "id"],
        [() => trpc("mutation", "jobs.push", { name: EXPERIMENT, member: 2 ** 31 }), "member"],
        [() => trpc("mutation", "jobs.push", { name: EXPERIMENT, hyperparameters: { lr: 2 } }), "hyperparameters.lr"],
      ];
      for (const [pending, field] of cases) {
        const answer = await pending();
        expectRefused(answer, { status: 400, code: "invalid_input", field });
      }
    });
    // A value that is one of a choice's values, as JSON (key order does not matter), is accepted.
    const pushed = await http("POST", `/experiments/${name}/jobs`, {
      hyperparameters: { act: { approximate: true, name: "gelu" }, layers: 8, lr: 0, tag: "v1" },
    });
    expect(pushed.status).toBe(201);
    expect(pushed.body.hyperparameters).toMatchObject({ act: { name: "gelu", approximate: true }, layers: 8, lr: 0, tag: "v1" });
  });

  it("prototype keys: __proto__ is refused by name; toString and friends are ordinary names", async () => {
    const { id, leaseToken } = held;
    await unchanged(async () => {
      const cases: [() => Promise<Answer>, string][] = [
        [() => http("POST", `/jobs/${id}/complete`, `{"leaseToken":"${leaseToken}","results":{"score":1,"__proto__":{"polluted":1}}}`), "results.__proto__"],
        [() => http("POST", `/jobs/${id}/complete`, `{"leaseToken":"${leaseToken}","results":{"score":1,"a":[{"__proto__":1}]}}`), "results.a.0.__proto__"],
        [
          () => http("POST", `/jobs/${id}/metrics`, `{"leaseToken":"${leaseToken}","points":[{"step":1,"values":{"__proto__":1}}]}`),
          "points.0.values.__proto__",
        ],
        [() => http("POST", `/experiments/${name}/jobs`, `{"hyperparameters":{"__proto__":{"lr":0.5}}}`), "hyperparameters.__proto__"],
        [() => http("POST", `/jobs/${id}/heartbeat`, `{"__proto__":{"leaseToken":"${leaseToken}"}}`), "__proto__"],
        [() => http("POST", "/experiments", JSON.stringify({ ...CONFIG, name: "x" }).replace('"lr":', '"__proto__":')), "hyperparameters.__proto__"],
        [() => http("POST", "/experiments", { ...CONFIG, name: "x", metric: "__proto__" }), "metric"],
        [
          () => http("POST", "/experiments", JSON.stringify({ ...CONFIG, name: "x" }).replace('"relu"', '{"__proto__":1}')),
          "hyperparameters.act.init.values.0.__proto__",
        ],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { toString: 0.5 } }), "hyperparameters.toString"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { constructor: 1 } }), "hyperparameters.constructor"],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { hasOwnProperty: 1 } }), "hyperparameters.hasOwnProperty"],
        [() => trpc("mutation", "jobs.push", `{"name":"${EXPERIMENT}","hyperparameters":{"__proto__":{"lr":0.5}}}`), "hyperparameters.__proto__"],
        [() => trpc("mutation", "worker.complete", `{"id":${id},"leaseToken":"${leaseToken}","results":{"score":1,"__proto__":{}}}`), "results.__proto__"],
        [() => trpc("mutation", "experiments.create", { ...CONFIG, name: "x", metric: "__proto__" }), "metric"],
      ];
      for (const [pending, field] of cases) {
        const answer = await pending();
        expectRefused(answer, { status: 400, code: "invalid_input", field });
      }
    });

    // Names that live on Object.prototype are hyperparameter and metric names like any other.
    const protoName = "prototype names";
    const created = await http("POST", "/experiments", {
      name: protoName,
      metric: "constructor",
      populationSize: 2,
      stop: { maxGenerations: 2 },
      hyperparameters: {
        toString: { init: { kind: "uniform", low: 0, high: 1 } },
        constructor: { init: { kind: "int", low: 1, high: 3 } },
        hasOwnProperty: { init: { kind: "choice", values: ["a", "b"] } },
      },
    });
    expect(created.status).toBe(201);
    const ref = encodeURIComponent(protoName);
    const pushed = await http("POST", `/experiments/${ref}/jobs`, { hyperparameters: { toString: 0.25 } });
    expect(pushed.status).toBe(201);
    expect(Object.keys(pushed.body.hyperparameters).sort()).toEqual(["constructor", "hasOwnProperty", "toString"]);
    expect(pushed.body.hyperparameters.toString).toBe(0.25);
    expect(typeof pushed.body.hyperparameters.constructor).toBe("number");
    const next = await http("POST", `/experiments/${ref}/next-job`, { workerId: "w" });
    expect(next.body.job.id).toBe(pushed.body.id);
    const missing = await http("POST", `/jobs/${next.body.job.id}/complete`, { leaseToken: next.body.leaseToken, results: { loss: 1 } });
    expectRefused(missing, { status: 400, code: "invalid_metric", field: "results.constructor" });
    expect(missing.error!.message).toMatch(/missing/);
    const done = await http("POST", `/jobs/${next.body.job.id}/complete`, { leaseToken: next.body.leaseToken, results: { constructor: 0.75 } });
    expect(done.body).toMatchObject({ status: "done", score: 0.75 });
  });

  it("depth and width: deep values are a 400 at any depth, and config values are capped like results", async () => {
    const { id, leaseToken } = held;
    const withConst = (value: string) =>
      `{"name":"deep","metric":"score","populationSize":1,"stop":{"maxGenerations":1},"hyperparameters":{"c":{"init":{"kind":"const","value":${value}}}}}`;
    const withChoice = (value: string) => withConst("1").replace('{"kind":"const","value":1}', `{"kind":"choice","values":[1,${value}]}`);
    await unchanged(async () => {
      const cases: [() => Promise<Answer>, string][] = [
        [() => http("POST", "/experiments", withConst(deepArray(33))), "hyperparameters.c.init.value"],
        [() => http("POST", "/experiments", withConst(deepArray(2_000))), "hyperparameters.c.init.value"],
        [() => http("POST", "/experiments", withConst(deepArray(400_000))), "hyperparameters.c.init.value"],
        [() => http("POST", "/experiments", withChoice(deepArray(2_000))), "hyperparameters.c.init.values.1"],
        [() => http("POST", `/jobs/${id}/complete`, { leaseToken, results: { score: 1, deep: nested(32) } }), "results"],
        [() => http("POST", `/jobs/${id}/complete`, `{"leaseToken":"${leaseToken}","results":{"score":1,"deep":${deepArray(400_000)}}}`), "results"],
        [() => http("POST", `/experiments/${name}/jobs`, `{"hyperparameters":{"act":${deepArray(5_000)}}}`), "hyperparameters"],
        [() => http("POST", `/jobs/${id}/fail`, `{"leaseToken":"${leaseToken}","error":${deepArray(100_000)}}`), "error"],
        [
          () => http("POST", `/jobs/${id}/metrics`, { leaseToken, points: Array.from({ length: 1001 }, (_, step) => ({ step, values: { score: 1 } })) }),
          "points",
        ],
        [
          () =>
            http("POST", "/experiments", {
              ...CONFIG,
              name: "x",
              hyperparameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, { init: { kind: "const", value: i } }])),
            }),
          "hyperparameters",
        ],
        [() => http("POST", `/experiments/${name}/jobs`, { hyperparameters: { act: Array.from({ length: 100_000 }, (_, i) => i) } }), "hyperparameters.act"],
        [() => trpc("mutation", "experiments.create", withConst(deepArray(2_000))), "hyperparameters.c.init.value"],
        [() => trpc("mutation", "worker.complete", `{"id":${id},"leaseToken":"${leaseToken}","results":{"score":1,"deep":${deepArray(100_000)}}}`), "results"],
        [() => trpc("query", "experiments.get", `{"name":${deepArray(1_000, '"x"')}}`), "name"],
      ];
      for (const [pending, field] of cases) {
        const answer = await pending();
        expectRefused(answer, { status: 400, code: "invalid_input", field });
      }
      expectRefused(await http("POST", "/experiments", JSON.stringify({ ...CONFIG, name: "x", pad: "x".repeat(1024 * 1024) })), {
        status: 413,
        code: "body_too_large",
      });
    });
    // Exactly at the cap: accepted and stored whole.
    const atCap = await http("POST", "/experiments", withConst(deepArray(32)));
    expect(atCap.status).toBe(201);
    expect(JSON.stringify(atCap.body.config.hyperparameters.c.init.value)).toBe(deepArray(32));
    // Wide but within the body limit: stored, quickly, no 5xx.
    const wide = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, i]));
    const started = performance.now();
    const done = await http("POST", `/jobs/${id}/complete`, { leaseToken, results: { score: 0.5, ...wide } });
    expect(done.status).toBe(200);
    expect(Object.keys(done.body.results).length).toBeGreaterThan(30_000);
    expect(performance.now() - started).toBeLessThan(10_000);
    const manyValues = await http("POST", "/experiments", {
      ...CONFIG,
      name: "many values",
      hyperparameters: { c: { init: { kind: "choice", values: Array.from({ length: 20_000 }, (_, i) => `v${i}`) } } },
    });
    expect(manyValues.status).toBe(201);
    const wrongValue = await http("POST", "/experiments/many%20values/jobs", { hyperparameters: { c: "nope" } });
    expectRefused(wrongValue, { status: 400, code: "invalid_input", field: "hyperparameters.c" });
    expect(wrongValue.error!.accepted!.length).toBeLessThanOrEqual(200);
  });

  it("names: control, bidi, zero-width and other invisible characters are refused at creation", async () => {
    await unchanged(async () => {
      const hidden = [
        "new\u200b",
        "\u202eevil",
        "a\u0085b",
        "a\u009bb",
        "x\u2066y",
        "x\u200dy",
        "x\u200cy",
        "x\u00ady",
        "new\ufe0f",
        "x\u2028y",
        "x\u{e0041}y",
        "\ufeffname",
        "tab\there",
        "bell\u0007",
      ];
      for (const bad of hidden) {
        expectRefused(await http("POST", "/experiments", { ...CONFIG, name: bad }), { status: 400, code: "invalid_input", field: "name" }, JSON.stringify(bad));
      }
      expectRefused(await trpc("mutation", "experiments.create", { ...CONFIG, name: "new\u200b" }), { status: 400, code: "invalid_input", field: "name" });
      // Looking a name up is not creating it: an unknown name is a 404 whatever its characters.
      expectRefused(await http("GET", `/experiments/${encodeURIComponent("new\u200b")}`), { status: 404, code: "experiment_not_found" });
      expectRefused(await http("DELETE", `/experiments/${encodeURIComponent("\u202eevil")}`), { status: 404, code: "experiment_not_found" });
      // A malformed percent-encoding in a URL: the API and the dashboard's pages answer 400.
      expectRefused(await http("GET", "/experiments/%E0%A4%A/jobs"), { status: 400, code: "invalid_input", field: "name" });
      for (const page of ["/experiments/%E0%A4%A", "/%E0%A4%A", "/jobs/%C0"]) {
        const response = await fetch(`${server.url}${page}`);
        const body = await response.json();
        expect({ page, status: response.status, code: body.error.code }).toEqual({ page, status: 400, code: "invalid_input" });
      }
    });
    for (const good of ["名前 🧪", "👩‍🔬 lab", "👩🏽‍🔬 lab", "🏳️‍🌈 run", "1️⃣ first", "café au lait", "تجربة"]) {
      const created = await http("POST", "/experiments", { ...CONFIG, name: good });
      expect({ good, status: created.status }).toEqual({ good, status: 201 });
      expect((await http("GET", `/experiments/${encodeURIComponent(good)}`)).body.name).toBe(good);
    }
  });

  it("body fields are read from the body only, never from the query string", async () => {
    const { id, leaseToken } = held;
    await unchanged(async () => {
      // Without a body, a POST is refused before its fields are looked at (server/auth/crossSite.ts).
      expectRefused(await http("POST", `/jobs/${id}/heartbeat?leaseToken=${leaseToken}`), { status: 415, code: "unsupported_media_type" });
      const cases: [() => Promise<Answer>, string][] = [
        [() => http("POST", `/jobs/${id}/heartbeat?leaseToken=${leaseToken}`, {}), "leaseToken"],
        [() => http("POST", `/experiments/${name}/next-job?workerId=w`, {}), "workerId"],
        [() => http("GET", `/experiments/${name}/jobs?member=0&debug=1`), "debug"],
        [() => http("GET", `/experiments/${name}/jobs?member=0&member=1`), "member"],
        [() => http("GET", `/experiments/${name}/events?name=other`), "name"],
        [() => http("POST", `/jobs/${id}/heartbeat`, { id: id + 1, leaseToken }), "id"],
        [() => http("POST", `/experiments/${name}/status`, { name: "other", status: "paused" }), "name"],
      ];
      for (const [pending, field] of cases) {
        const answer = await pending();
        expectRefused(answer, { status: 400, code: "invalid_input", field });
      }
    });
    expect((await http("GET", `/experiments/${name}/jobs?member=0&status=done`)).status).toBe(200);
    expect((await http("GET", `/experiments/${name}/events?afterSeq=1&limit=2`)).body).toHaveLength(2);
  });

  it("CSV export: cells a spreadsheet would run as formulas are neutralised", async () => {
    const formulas = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain"];
    const csvName = "csv injection";
    expect(
      (
        await http("POST", "/experiments", {
          ...CONFIG,
          name: csvName,
          populationSize: 7,
          hyperparameters: { f: { init: { kind: "choice", values: formulas } } },
        })
      ).status,
    ).toBe(201);
    const ref = encodeURIComponent(csvName);
    for (const f of formulas) expect((await http("POST", `/experiments/${ref}/jobs`, { hyperparameters: { f } })).status).toBe(201);
    const next = (await http("POST", `/experiments/${ref}/next-job`, { workerId: "=cmd|' /C calc'!A0" })).body;
    await http("POST", `/jobs/${next.job.id}/complete`, { leaseToken: next.leaseToken, results: { score: -0.5 } });
    const response = await fetch(`${server.url}/api/v1/experiments/${ref}/export?format=csv`);
    const csv = await response.text();
    const cells = parseCsv(csv).flat();
    expect(cells).toContain('\'=HYPERLINK("http://x")');
    // What a spreadsheet would run: text starting with = + - @, a tab or a CR (a number may be negative).
    const runnable = cells.filter((cell) => /^[=+\-@\t\r]/.test(cell) && Number.isNaN(Number(cell)));
    expect(runnable).toEqual([]);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain(`"'-2+3"`);
    expect(csv).toContain(`"'=cmd|' /C calc'!A0"`);
    expect(csv).toContain(",-0.5,"); // a number keeps its sign
  });

  it("ten concurrent deletes of one experiment: one 200, nine 404, never a 500", async () => {
    for (let round = 0; round < 5; round++) {
      const doomed = `doomed ${round}`;
      expect((await http("POST", "/experiments", { ...CONFIG, name: doomed })).status).toBe(201);
      const ref = encodeURIComponent(doomed);
      await http("POST", `/experiments/${ref}/next-job`, { workerId: "w" });
      const deletes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? http("DELETE", `/experiments/${ref}`) : trpc("mutation", "experiments.delete", { name: doomed }))),
      );
      const statuses = deletes.map((d) => d.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(404)]);
      for (const d of deletes.filter((d) => d.status === 404)) expect(d.error?.code).toBe("experiment_not_found");
    }
  });

  it("no answer was a 5xx, carried internal text, or grew with the hostile input", () => {
    expect(answers.length).toBeGreaterThan(150);
    const bad = answers.filter(({ answer }) => answer.status >= 500 || INTERNAL_TEXT.test(answer.text) || (answer.status >= 400 && answer.text.length > 4096));
    expect(bad.map(({ what, answer }) => `${what} → ${answer.status} ${answer.text.slice(0, 200)}`)).toEqual([]);
  });
});

/** A CSV parser (RFC 4180: quoted cells, doubled quotes), to read cells as a spreadsheet would. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [[]];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === "\n") {
      rows.at(-1)!.push(cell);
      cell = "";
      if (c === "\n") rows.push([]);
    } else cell += c;
  }
  if (cell !== "") rows.at(-1)!.push(cell);
  return rows.filter((r) => r.length > 0);
}

describe("tRPC's answer to an unexpected failure", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const failing = new Proxy(
      {},
      {
        get: () => () => {
          throw new Error('PrismaClientKnownRequestError: invalid byte sequence for encoding "UTF8": 0x00 (relation "Job")');
        },
      },
    ) as Scheduler;
    const handler = createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      createContext: (): ApiContext => ({ scheduler: failing, db: failing.deps, principal: OPEN_ACCESS }),
      onError: () => {},
    });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("is a 500 with a generic message and a stable code, and no internals", async () => {
    const response = await fetch(`${url}/api/trpc/experiments.list`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toMatch(INTERNAL_TEXT);
    const body = JSON.parse(text);
    expect(body.error.message).toBe("internal error; the server log has details");
    expect(body.error.data.lineage).toEqual({ code: "internal", message: "internal error; the server log has details" });
  });
});
