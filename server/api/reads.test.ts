// Bounded reads through a real server on a real database: tRPC batches are capped, every list
// pages (HTTP Link headers, tRPC cursors, the SDK) without losing or repeating an item while new
// ones arrive, exports stream every job, and the dashboard's overview stays bounded on a long
// history.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { createTRPCClient, httpBatchLink, httpLink } from "@trpc/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client } from "../../sdk";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { OVERVIEW_MAX_JOBS } from "../reads/dashboard/overview";
import { bestLineage } from "../domain/projection";
import { seedLargeExperiment } from "../testing/seedLargeExperiment";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { MAX_BATCH_SIZE, MAX_PAGE_BYTES, MAX_PAGE_SIZE } from "../domain/limits";
import type { AppRouter } from "./root";

const config = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  metric: "score",
  populationSize: 3,
  stop: { maxGenerations: 1_000 },
  hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 }, explore: { kind: "perturb" } } },
  ...extra,
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  bytes: number;
}

describeEachDatabase("bounded reads", (kind) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let trpc: ReturnType<typeof createTRPCClient<AppRouter>>;

  const call = async (method: string, p: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(p.startsWith("/api/") ? `${server.url}${p}` : `${server.url}/api/v1${p}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed, bytes: text.length };
  };
  const path_ = (name: string) => `/experiments/${encodeURIComponent(name)}`;

  /** A worker's cycle: claims a job and completes it (with `results` on top of the score). */
  const cycle = async (name: string, results: Record<string, unknown> = {}) => {
    const next = await call("POST", `${path_(name)}/next-job`, { workerId: "w" });
    expect(next.status).toBe(200);
    if (next.body.status !== "job") return null;
    const { job, leaseToken } = next.body;
    const done = await call("POST", `/jobs/${job.id}/complete`, { leaseToken, results: { score: Math.random(), ...results } });
    expect(done.status).toBe(200);
    return job.id as number;
  };

  /** Follows Link headers from `first` to the end; `between` runs after each page (to add items meanwhile). */
  const followLinks = async (first: string, between: () => Promise<unknown> = async () => {}) => {
    const items: any[] = [];
    const pages: number[] = [];
    let next: string | null = `/api/v1${first}`;
    while (next) {
      const answer = await call("GET", next);
      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.body)).toBe(true);
      items.push(...answer.body);
      pages.push(answer.body.length);
      const link = answer.headers.get("link");
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
      await between();
    }
    return { items, pages };
  };

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-reads-"));
    const pg = kind === "postgres" ? await createPostgresDatabase() : null;
    server = await startServer(parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? "" }));
    trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc` })] });
    cleanup = async () => {
      await server?.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it("refuses a tRPC batch over the cap with 400 batch_too_large, before running any of its calls", async () => {
    const get = (n: number) => call("GET", `/api/trpc/${Array(n).fill("experiments.list").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`);
    const atCap = await get(MAX_BATCH_SIZE);
    expect(atCap.status).toBe(200);
    expect(atCap.body).toHaveLength(MAX_BATCH_SIZE);
    for (const n of [MAX_BATCH_SIZE + 1, 300]) {
      const over = await get(n);
      expect(over.status).toBe(400);
      expect(over.body.error.data.lineage).toMatchObject({ code: "batch_too_large" });
      expect(over.body.error.message).toContain(`at most ${MAX_BATCH_SIZE} calls`);
      expect(over.bytes).toBeLessThan(2_000);
    }
    const names = Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => `batch ${i}`);
    const input = Object.fromEntries(names.map((name, i) => [i, config(name)]));
    const posted = await call("POST", `/api/trpc/${names.map(() => "experiments.create").join(",")}?batch=1`, input);
    expect(posted.status).toBe(400);
    expect(posted.body.error.data.lineage.code).toBe("batch_too_large");
    // Nothing of it ran.
    expect((await call("GET", `${path_("batch 0")}`)).status).toBe(404);
    // The dashboard's link splits its batches at the cap.
    const batching = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/api/trpc`, maxItems: MAX_BATCH_SIZE })] });
    const many = await Promise.all(Array.from({ length: 3 * MAX_BATCH_SIZE + 1 }, () => batching.experiments.list.query({ limit: 1 })));
    expect(many).toHaveLength(3 * MAX_BATCH_SIZE + 1);
  });

  it("answers malformed tRPC batches with a 4xx, never a 5xx", async () => {
    const cases = [
      "/api/trpc/experiments.list,experiments.list?batch=1&input=not-json",
      "/api/trpc/experiments.list,experiments.list?batch=1&input=%5B1%2C2%5D",
      "/api/trpc/experiments.list,experiments.list?batch=1&input=42",
      "/api/trpc/,,,?batch=1",
      `/api/trpc/${",".repeat(5_000)}?batch=1`,
      "/api/trpc/experiments.list?batch=1&input=%7B%220%22%3A%7B%22limit%22%3A%22x%22%7D%7D",
      "/api/trpc/nothing.here,experiments.get?batch=1",
    ];
    for (const p of cases) {
      const answer = await call("GET", p);
      // A batch whose calls fail differently is answered 207 with each call's own status.
      const statuses = [
        answer.status,
        ...(Array.isArray(answer.body) ? answer.body.map((r: { error?: { data: { httpStatus: number } } }) => r.error?.data.httpStatus ?? 200) : []),
      ];
      expect({ p, clientErrors: statuses.every((s) => s < 500) && statuses.some((s) => s >= 400) }).toEqual({ p, clientErrors: true });
    }
    const notAnObject = await call("POST", "/api/trpc/experiments.create,experiments.create?batch=1", [1, 2]);
    expect(notAnObject.status).toBeGreaterThanOrEqual(400);
    expect(notAnObject.status).toBeLessThan(500);
  });

  it("pages an experiment's jobs by Link header and by tRPC cursor, losing and repeating nothing while jobs are added", async () => {
    const name = "paged jobs";
    expect((await call("POST", "/experiments", config(name))).status).toBe(201);
    for (let i = 0; i < 30; i++) await cycle(name);
    const before = (await followLinks(`${path_(name)}/jobs`)).items.map((j) => j.id as number);
    expect(before.length).toBeGreaterThanOrEqual(30);

    // Over HTTP, 7 at a time, with a worker adding jobs between pages.
    const http = await followLinks(`${path_(name)}/jobs?limit=7`, () => cycle(name));
    const ids = http.items.map((j) => j.id as number);
    expect(http.pages.every((n) => n <= 7)).toBe(true);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, before.length)).toEqual(before);
    expect(ids.length).toBeGreaterThan(before.length);

    // Over tRPC, with a filter that the cursor keeps.
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await trpc.jobs.list.query({ name, member: 1, limit: 4, cursor });
      expect(page.items.length).toBeLessThanOrEqual(4);
      expect(page.items.every((j) => j.member === 1)).toBe(true);
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
      await cycle(name);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before.filter((id) => http.items.find((j) => j.id === id)!.member === 1)) expect(seen).toContain(id);

    // The TypeScript SDK reads every page.
    const sdk = new Client({ url: server.url, retries: 0 });
    const all = await (await sdk.getExperiment(name)).jobs();
    expect(all.map((j) => j.id).slice(0, ids.length)).toEqual(ids);
  });

  it("pages events and experiments the same way", async () => {
    const name = "paged events";
    expect((await call("POST", "/experiments", config(name))).status).toBe(201);
    for (let i = 0; i < 10; i++) await cycle(name);
    const head = (await call("GET", path_(name))).body.lastEventSeq as number;
    const events = await followLinks(`${path_(name)}/events?limit=9`, () => cycle(name));
    const seqs = events.items.map((e) => e.seq as number);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(head);
    // afterSeq starts the first page; the cursor carries on from there.
    const after = await followLinks(`${path_(name)}/events?afterSeq=5&limit=4`);
    expect(after.items[0].seq).toBe(6);
    const page = await trpc.experiments.events.query({ name, afterSeq: 2, limit: 3 });
    expect(page.items.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(page.nextCursor).toBe("5");

    for (let i = 0; i < 12; i++) expect((await call("POST", "/experiments", config(`listed ${i}`))).status).toBe(201);
    const existing = (await followLinks("/experiments")).items.map((e) => e.id as number);
    let added = 0;
    const listed = await followLinks("/experiments?limit=5", async () => {
      if (added < 3) expect((await call("POST", "/experiments", config(`listed late ${added++}`))).status).toBe(201);
    });
    const ids = listed.items.map((e) => e.id as number);
    // Newest first; experiments created while paging are newer than the first page, so not in it.
    expect(ids).toEqual(existing);
    expect(listed.pages.every((n) => n <= 5)).toBe(true);
    const sdk = new Client({ url: server.url, retries: 0 });
    expect((await sdk.listExperiments()).map((e) => e.id)).toEqual((await followLinks("/experiments")).items.map((e) => e.id));
  });

  it("refuses a cursor it did not give out and a limit out of bounds, naming the field", async () => {
    const jobs = `${path_("paged jobs")}/jobs`;
    const cases: [string, string][] = [
      [`${jobs}?cursor=abc`, "cursor"],
      [`${jobs}?cursor=-1`, "cursor"],
      [`${jobs}?cursor=99999999999`, "cursor"],
      [`${jobs}?cursor=1.5`, "cursor"],
      [`${jobs}?limit=0`, "limit"],
      [`${jobs}?limit=${MAX_PAGE_SIZE + 1}`, "limit"],
      [`${jobs}?limit=many`, "limit"],
      [`/experiments?cursor=${"9".repeat(400)}`, "cursor"],
      [`${path_("paged events")}/events?limit=5000`, "limit"],
      [`${path_("paged events")}/events?afterSeq=${2 ** 31}`, "afterSeq"],
    ];
    for (const [p, field] of cases) {
      const answer = await call("GET", p);
      expect({ p, status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({
        p,
        status: 400,
        code: "invalid_input",
        field,
      });
    }
    const viaTrpc = await trpc.jobs.list.query({ name: "paged jobs", cursor: "x" }).catch((e: { data?: { lineage?: unknown; httpStatus?: number } }) => e.data);
    expect(viaTrpc).toMatchObject({ httpStatus: 400, lineage: { code: "invalid_input", field: "cursor" } });
  });

  it("ends a page early when its items pass the byte budget", async () => {
    const name = "large results";
    expect((await call("POST", "/experiments", config(name))).status).toBe(201);
    const blob = "r".repeat(400_000);
    for (let i = 0; i < 8; i++) await cycle(name, { blob });
    const { items, pages } = await followLinks(`${path_(name)}/jobs?limit=100&status=done`);
    expect(items).toHaveLength(8);
    expect(pages.length).toBeGreaterThan(1);
    expect(Math.max(...pages)).toBeLessThanOrEqual(Math.ceil(MAX_PAGE_BYTES / 400_000));
  });

  it("describes paging in the OpenAPI document", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    for (const p of ["/api/v1/experiments", "/api/v1/experiments/{name}/jobs", "/api/v1/experiments/{name}/events"]) {
      const get = doc.paths[p].get;
      expect(get.parameters.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(["cursor", "limit"]));
      expect(get.parameters.find((x: { name: string }) => x.name === "limit").schema).toMatchObject({ maximum: MAX_PAGE_SIZE });
      expect(get.responses["200"].headers.Link).toBeDefined();
      expect(get.responses["200"].content["application/json"].schema.type).toBe("array");
    }
  });

  it("streams an export of every job, read a page at a time, the same as the pages of the list", async () => {
    const name = "exported";
    await seedLargeExperiment(server.database.prisma, { name, members: 12, generations: 100, pointsPerJob: 0 });
    const listed = (await followLinks(`${path_(name)}/jobs`)).items;
    expect(listed).toHaveLength(1_200);
    const json = await call("GET", `${path_(name)}/export?format=json`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-disposition")).toContain("exported-jobs.json");
    expect(json.body).toEqual(listed);
    const csv = await call("GET", `${path_(name)}/export?format=csv`);
    const lines = (csv.body as string).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id,member,generation,.*,hp\.lr$/);
    expect(lines).toHaveLength(1_201);
    expect(lines.slice(1).map((l) => Number(l.split(",")[0]))).toEqual(listed.map((j) => j.id));
    const missing = await call("GET", `${path_("no such")}/export?format=csv`);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "experiment_not_found" } } });

    // The SDK streams it into a writable, and reads the list's two pages.
    const experiment = await new Client({ url: server.url, retries: 0 }).getExperiment(name);
    let streamed = "";
    await experiment.exportTo("json", new Writable({ write: (chunk, _, done) => ((streamed += chunk), done()) }));
    expect(JSON.parse(streamed)).toEqual(listed);
    expect((await experiment.jobs()).map((j) => j.id)).toEqual(listed.map((j) => j.id));
    expect((await experiment.export("csv")).body.trimEnd().split("\n")).toEqual(lines);
  });

  it("keeps the dashboard's overview bounded on a long history, with rows and best lineage over every job", async () => {
    const name = "long history";
    const members = 128;
    const generations = 100;
    await seedLargeExperiment(server.database.prisma, { name, members, generations, pointsPerJob: 2 });
    const started = performance.now();
    const overview = await trpc.dashboard.overview.query({ name });
    const ms = performance.now() - started;
    const bytes = JSON.stringify(overview).length;
    const perMember = Math.floor(OVERVIEW_MAX_JOBS / members);
    expect(overview.window).toEqual({ totalJobs: members * generations, latestPerMember: perMember });
    expect(overview.jobs).toHaveLength(members * perMember);
    expect(Math.min(...overview.jobs.map((j) => j.generation))).toBe(generations - perMember);
    expect(overview.progress).toMatchObject({ done: members * generations, running: 0, queued: 0 });
    expect(overview.members).toHaveLength(members);
    const all = (await followLinks(`${path_(name)}/jobs`)).items;
    for (const row of overview.members) {
      const latest = all.filter((j) => j.member === row.member).at(-1);
      expect(row).toMatchObject({
        jobId: latest.id,
        generation: generations - 1,
        score: latest.score,
        exploits: all.filter((j) => j.member === row.member && j.origin === "exploit").length,
      });
    }
    expect(overview.best).toEqual(bestLineage(all, "maximize"));
    const curves = await trpc.dashboard.curves.query({ name });
    const curveBytes = JSON.stringify(curves).length;
    console.log(
      `[${kind}] overview of ${members * generations} jobs: ${(bytes / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms; curves ${(curveBytes / 1e6).toFixed(2)} MB`,
    );
    expect(bytes).toBeLessThan(3_000_000);
    expect(curveBytes).toBeLessThan(3_000_000);
    // 12,800 jobs and their points are seeded first: minutes on a busy machine.
  }, 240_000);
});
