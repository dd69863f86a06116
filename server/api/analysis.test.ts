// The analysis, comparison and list operations through a real server on a real database (PGlite
// and PostgreSQL), over HTTP, tRPC and the SDK: their answers checked against the jobs the API
// lists, and bad input refused with a 4xx naming the field.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../sdk";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import type { AppRouter } from "./root";

const hyperparameters = {
  lr: { init: { kind: "loguniform", low: 0.001, high: 0.1 }, explore: { kind: "perturb" } },
  activation: { init: { kind: "choice", values: ["relu", "tanh"] } },
};
const config = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  metric: "score",
  populationSize: 4,
  stop: { maxGenerations: 4 },
  mode: "sync",
  exploit: { kind: "truncate", fraction: 0.25 },
  hyperparameters,
  seed: 3,
  ...extra,
});

interface Answer {
  status: number;
  body: any;
}

describeEachDatabase("analysis, comparison and the list's filters", (kind) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let trpc: ReturnType<typeof createTRPCClient<AppRouter>>;

  const call = async (method: string, p: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${server.url}/api/v1${p}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const at = (name: string) => `/experiments/${encodeURIComponent(name)}`;

  /** Runs the experiment to its end with one worker: the score grows with steps and falls with |log10(lr) + 2|. */
  const run = async (name: string, withPoints: boolean) => {
    for (let i = 0; i < 200; i++) {
      const next = await call("POST", `${at(name)}/next-job`, { workerId: "w" });
      expect(next.status).toBe(200);
      if (next.body.status === "done") return;
      if (next.body.status === "wait") continue;
      const { job, leaseToken } = next.body;
      const step = ((job.results.step as number | undefined) ?? 0) + 10;
      const score = step / 100 - Math.abs(Math.log10(job.hyperparameters.lr) + 2) / 10;
      if (withPoints) {
        const points = [
          { step: step - 5, values: { score: score - 0.01, loss: 1 - score } },
          { step, values: { score, loss: 1 - score } },
        ];
        expect((await call("POST", `/jobs/${job.id}/metrics`, { leaseToken, points })).status).toBe(200);
      }
      expect((await call("POST", `/jobs/${job.id}/complete`, { leaseToken, results: { score, step } })).status).toBe(200);
    }
    throw new Error(`${name} did not finish`);
  };

  const pbt = `pbt ${kind}`;
  const grid = `grid ${kind}`;
  const silent = `no points ${kind}`;

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-analysis-"));
    const pg = kind === "postgres" ? await createPostgresDatabase() : null;
    server = await startServer(parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? "" }));
    trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc` })] });
    cleanup = async () => {
      await server?.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    expect((await call("POST", "/experiments", config(pbt))).status).toBe(201);
    expect((await call("POST", "/experiments", config(grid, { exploit: { kind: "none" } }))).status).toBe(201);
    expect((await call("POST", "/experiments", config(silent))).status).toBe(201);
    await run(pbt, true);
    await run(grid, true);
    await run(silent, false);
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  describe("the analysis", () => {
    it("lists every finished job with its values and its improvement over its parent, as the jobs API has them", async () => {
      const jobs = (await call("GET", `${at(pbt)}/jobs?status=done`)).body as any[];
      const analysis = await call("GET", `${at(pbt)}/analysis`);
      expect(analysis.status).toBe(200);
      const body = analysis.body;
      const experiment = (await call("GET", at(pbt))).body;
      expect(body.experiment).toEqual({ name: pbt, objective: "maximize", metric: "score", status: "done", lastEventSeq: experiment.lastEventSeq });
      expect(body.totalJobs).toBe(jobs.length);
      expect(body.jobs.map((j: any) => j.id).sort((a: number, b: number) => a - b)).toEqual(jobs.map((j) => j.id));
      const byId = new Map(jobs.map((j) => [j.id, j]));
      for (const j of body.jobs) {
        const job = byId.get(j.id)!;
        expect(j).toMatchObject({ member: job.member, generation: job.generation, score: job.score });
        expect(j.values).toEqual({ lr: job.hyperparameters.lr, activation: job.hyperparameters.activation });
        const parent = job.parentId === null ? undefined : byId.get(job.parentId);
        if (parent) expect(j.improvement).toBeCloseTo(job.score - parent.score, 12);
        else expect(j.improvement).toBeNull();
      }
      expect(body.generations).toEqual({ min: 0, max: Math.max(...jobs.map((j) => j.generation)) });
      expect(body.parameters.map((p: any) => [p.name, p.kind, p.scale, p.explored])).toEqual([
        ["activation", "categorical", "linear", false],
        ["lr", "numeric", "log", true],
      ]);
      expect(body.importance.method).toMatch(/ANOVA/);
      expect(body.importance.score.parameters.map((p: any) => p.parameter).sort()).toEqual(["activation", "lr"]);
      // tRPC answers the same.
      expect(await trpc.analysis.experiment.query({ name: pbt })).toEqual(body);
    });

    it("filters by generation and lists at most maxJobs, through the SDK too", async () => {
      const late = (await call("GET", `${at(pbt)}/analysis?fromGeneration=2&toGeneration=3&maxJobs=3`)).body;
      expect(late.filter).toEqual({ fromGeneration: 2, toGeneration: 3 });
      expect(late.jobs).toHaveLength(3);
      expect(late.jobs.every((j: any) => j.generation >= 2 && j.generation <= 3)).toBe(true);
      const jobs = (await call("GET", `${at(pbt)}/jobs?status=done`)).body as any[];
      expect(late.totalJobs).toBe(jobs.filter((j) => j.generation >= 2 && j.generation <= 3).length);
      const experiment = await new Client({ url: server.url }).getExperiment(pbt);
      expect(await experiment.analysis({ fromGeneration: 2, toGeneration: 3, maxJobs: 3 })).toEqual(late);
    });

    it("refuses bad input with a 4xx naming the field", async () => {
      const cases: [string, number, string, string][] = [
        [`${at(pbt)}/analysis?fromGeneration=3&toGeneration=1`, 400, "invalid_input", "toGeneration"],
        [`${at(pbt)}/analysis?fromGeneration=-1`, 400, "invalid_input", "fromGeneration"],
        [`${at(pbt)}/analysis?fromGeneration=first`, 400, "invalid_input", "fromGeneration"],
        [`${at(pbt)}/analysis?maxJobs=0`, 400, "invalid_input", "maxJobs"],
        [`${at(pbt)}/analysis?maxJobs=100000`, 400, "invalid_input", "maxJobs"],
        [`${at(pbt)}/analysis?generation=1`, 400, "invalid_input", "generation"],
        [`${at("nobody")}/analysis`, 404, "experiment_not_found", "name"],
      ];
      for (const [p, status, code, field] of cases) {
        const answer = await call("GET", p);
        expect({ p, status: answer.status, code: answer.body.error.code, field: answer.body.error.field }).toEqual({ p, status, code, field });
      }
      const range = await call("GET", `${at(pbt)}/analysis?fromGeneration=3&toGeneration=1`);
      expect(range.body.error.message).toContain("must be at least fromGeneration");
    });
  });

  describe("the comparison", () => {
    it("overlays best-so-far curves against steps and gives best, final and generation-0 scores from the jobs", async () => {
      const answer = await call("POST", "/compare", { experiments: [pbt, grid] });
      expect(answer.status).toBe(200);
      expect(answer.body.x).toBe("step");
      for (const [i, name] of [pbt, grid].entries()) {
        const compared = answer.body.experiments[i];
        const jobs = ((await call("GET", `${at(name)}/jobs?status=done`)).body as any[]).filter((j) => j.score !== null);
        const best = jobs.reduce((a, j) => (j.score > a.score ? j : a));
        expect(compared).toMatchObject({ name, objective: "maximize", metric: "score", jobsDone: jobs.length, populationSize: 4 });
        expect(compared.best).toEqual({ score: best.score, jobId: best.id, x: best.results.step });
        expect(compared.generation0).toBe(Math.max(...jobs.filter((j) => j.generation === 0).map((j) => j.score)));
        const latest = new Map<number, any>();
        for (const j of jobs) if (!latest.has(j.member) || latest.get(j.member).id < j.id) latest.set(j.member, j);
        expect(compared.final).toBe(Math.max(...[...latest.values()].map((j) => j.score)));
        // Best so far: never falls, ends at the best score, and each point is a job's score at its step.
        const curve = compared.curve as { x: number; best: number }[];
        for (let k = 1; k < curve.length; k++) {
          expect(curve[k]!.x).toBeGreaterThan(curve[k - 1]!.x);
          expect(curve[k]!.best).toBeGreaterThanOrEqual(curve[k - 1]!.best);
        }
        expect(curve.at(-1)!.best).toBe(best.score);
        expect(curve.at(-1)!.x).toBe(Math.max(...jobs.map((j) => j.results.step)));
      }
      expect(answer.body.experiments.map((e: any) => e.exploit)).toEqual(["truncate", "none"]);
      expect(answer.body.experiments[0].explore).toEqual(["perturb"]);
    });

    it("counts in generations when an experiment reports no metric points, and answers the SDK the same", async () => {
      const answer = await call("POST", "/compare", { experiments: [pbt, silent] });
      expect(answer.body.x).toBe("generation");
      const last = answer.body.experiments[1].curve.at(-1);
      const jobs = (await call("GET", `${at(silent)}/jobs?status=done`)).body as any[];
      expect(last.x).toBe(Math.max(...jobs.map((j) => j.generation)) + 1);
      expect(await new Client({ url: server.url }).compare([pbt, silent])).toEqual(answer.body);
    });

    it("refuses bad input with a 4xx naming the field", async () => {
      const cases: [unknown, number, string, string][] = [
        [{ experiments: [pbt] }, 400, "invalid_input", "experiments"],
        [{ experiments: [pbt, pbt] }, 400, "invalid_input", "experiments"],
        [{ experiments: Array.from({ length: 9 }, (_, i) => `e${i}`) }, 400, "invalid_input", "experiments"],
        [{ experiments: [pbt, ""] }, 400, "invalid_input", "experiments.1"],
        [{ experiments: "a,b" }, 400, "invalid_input", "experiments"],
        [{}, 400, "invalid_input", "experiments"],
        [{ experiments: [pbt, grid], extra: 1 }, 400, "invalid_input", "extra"],
        [{ experiments: [pbt, "nobody"] }, 404, "experiment_not_found", "experiments.1"],
      ];
      for (const [body, status, code, field] of cases) {
        const answer = await call("POST", "/compare", body);
        expect({ body, status: answer.status, code: answer.body.error.code, field: answer.body.error.field }).toEqual({ body, status, code, field });
      }
      const few = await call("POST", "/compare", { experiments: [pbt] });
      expect(few.body.error.message).toContain("at least 2");
      await expect(trpc.analysis.compare.query({ experiments: [pbt] })).rejects.toThrow(TRPCClientError);
    });
  });

  describe("the list", () => {
    it("hides archived experiments unless asked, and brings them back", async () => {
      const name = `archive me ${kind}`;
      expect((await call("POST", "/experiments", config(name))).status).toBe(201);
      const names = async (query = "") => ((await call("GET", `/experiments${query}`)).body as any[]).map((e) => e.name);
      expect(await names()).toContain(name);
      const archived = await call("POST", `${at(name)}/archive`, { archived: true });
      expect(archived.status).toBe(200);
      expect(Date.parse(archived.body.archivedAt)).toBeGreaterThan(0);
      expect(await names()).not.toContain(name);
      expect(await names("?archived=include")).toContain(name);
      expect(await names("?archived=only")).toEqual([name]);
      // Archiving again keeps the first date; the experiment itself says it is archived.
      expect((await call("POST", `${at(name)}/archive`, {})).body.archivedAt).toBe(archived.body.archivedAt);
      expect((await call("GET", at(name))).body.archivedAt).toBe(archived.body.archivedAt);
      // The SDK brings it back.
      const experiment = await new Client({ url: server.url }).getExperiment(name);
      expect((await experiment.unarchive()).archivedAt).toBeNull();
      expect(await names()).toContain(name);
      expect((await experiment.archive()).archivedAt).not.toBeNull();
      expect((await new Client({ url: server.url }).listExperiments({ archived: "only" })).map((e) => e.name)).toEqual([name]);
      await experiment.unarchive();
    });

    it("searches names in any case, literally, and filters by status", async () => {
      for (const n of [`Search 50% ${kind}`, `search 5x0 ${kind}`, `SEARCH_a ${kind}`])
        expect((await call("POST", "/experiments", config(n))).status).toBe(201);
      const names = async (query: string) => ((await call("GET", `/experiments${query}`)).body as any[]).map((e) => e.name).sort();
      expect(await names(`?search=${encodeURIComponent("search")}`)).toEqual([`SEARCH_a ${kind}`, `Search 50% ${kind}`, `search 5x0 ${kind}`].sort());
      // % and _ are characters, not wildcards.
      expect(await names(`?search=${encodeURIComponent("50%")}`)).toEqual([`Search 50% ${kind}`]);
      expect(await names(`?search=${encodeURIComponent("h_a")}`)).toEqual([`SEARCH_a ${kind}`]);
      expect(await names(`?status=done&search=${encodeURIComponent(kind)}`)).toEqual([grid, silent, pbt].sort());
      const sdk = await new Client({ url: server.url }).listExperiments({ search: "50%", status: "running" });
      expect(sdk.map((e) => e.name)).toEqual([`Search 50% ${kind}`]);
    });

    it("refuses bad filters and archive input with a 4xx naming the field", async () => {
      const cases: [string, string, unknown, number, string, string][] = [
        ["GET", "/experiments?archived=yes", undefined, 400, "invalid_input", "archived"],
        ["GET", "/experiments?status=finished", undefined, 400, "invalid_input", "status"],
        ["GET", `/experiments?search=${"x".repeat(201)}`, undefined, 400, "invalid_input", "search"],
        ["POST", `${at(pbt)}/archive`, { archived: "yes" }, 400, "invalid_input", "archived"],
        ["POST", `${at(pbt)}/archive`, { archived: true, when: 1 }, 400, "invalid_input", "when"],
        ["POST", `${at("nobody")}/archive`, { archived: true }, 404, "experiment_not_found", "(none)"],
      ];
      for (const [method, p, body, status, code, field] of cases) {
        const answer = await call(method, p, body);
        expect({ p, status: answer.status, code: answer.body.error.code, field: answer.body.error.field ?? "(none)" }).toEqual({ p, status, code, field });
      }
      const archived = await call("GET", "/experiments?archived=yes");
      expect(archived.body.error.accepted).toBe('"exclude" | "include" | "only"');
    });
  });
});
