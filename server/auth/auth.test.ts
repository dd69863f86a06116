// Access control: every operation refuses what each role may not do, over HTTP, tRPC and socket.io.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { operations, type Operation } from "../api/operations";
import { appRouter } from "../api/root";
import type { ProcedureMeta } from "../api/trpc";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";
import { startServerProcess } from "../testing/serverProcess";
import { allows, ROLES, type Role } from "./roles";
import { createToken } from "./tokens";

const CONFIG = {
  name: "auth test",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 2 },
  hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
};

describe("access control", () => {
  let server: RunningServer;
  let dataDir: string;
  const tokens = {} as Record<Role | "revoked", string>;
  let printed = "";

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-auth-"));
    const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void (printed += `${args.join(" ")}\n`));
    server = await startServer(parseEnv({ PORT: "0", LINEAGE_UI: "off", LINEAGE_DATA_DIR: dataDir, LINEAGE_AUTH: "on" }));
    log.mockRestore();
    tokens.admin = /\s(lin_\S+)/.exec(printed)![1]!;
    for (const role of ["worker", "viewer"] as const) tokens[role] = (await createToken(server.database.prisma, { name: role, role })).token;
    tokens.revoked = (await createToken(server.database.prisma, { name: "old", role: "admin" })).token;
    const revokedId = (await server.database.prisma.apiToken.findFirstOrThrow({ where: { name: "old" } })).id;
    await call("DELETE", `/api/v1/tokens/${revokedId}`, tokens.admin);
    await call("POST", "/api/v1/experiments", tokens.admin, CONFIG);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(method: string, p: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.url}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  it("printed the first admin token once at start-up", () => {
    expect(tokens.admin).toMatch(/^lin_[A-Za-z0-9_-]{32}$/);
    expect(printed.match(/lin_/g)).toHaveLength(1);
  });

  // One plausible request per operation: the answer past the access check does not matter here.
  function httpRequest(name: string, op: Operation): { method: string; path: string; body?: unknown } {
    const p = op.http!.path.replace("{name}", encodeURIComponent(CONFIG.name)).replace("{id}", "1");
    const bodies: Record<string, unknown> = {
      createExperiment: { ...CONFIG, name: `auth ${Math.random()}` },
      setExperimentStatus: { status: "paused" },
      archiveExperiment: { archived: false },
      compareExperiments: { experiments: [CONFIG.name, `${CONFIG.name} 2`] },
      pushJob: { hyperparameters: {} },
      nextJob: { workerId: "w" },
      heartbeat: { leaseToken: "t" },
      logMetrics: { leaseToken: "t", points: [{ step: 1, values: { a: 1 } }] },
      complete: { leaseToken: "t", results: { score: 1 } },
      fail: { leaseToken: "t" },
      createToken: { name: "n", role: "viewer" },
    };
    return { method: op.http!.method, path: `/api/v1${p}`, body: op.http!.method === "GET" || op.http!.method === "DELETE" ? undefined : (bodies[name] ?? {}) };
  }

  const httpOperations = operations.filter((op) => op.http && op.name !== "deleteExperiment" && op.name !== "revokeToken").map((op) => [op.name, op] as const);

  it("refuses every HTTP route without a valid token (401) and with a role that lacks access (403)", async () => {
    expect(httpOperations.length).toBeGreaterThan(15);
    for (const [name, op] of httpOperations) {
      const r = httpRequest(name, op);
      for (const token of [undefined, "lin_not-a-real-token", tokens.revoked]) {
        const answer = await call(r.method, r.path, token, r.body);
        expect({ name, token: token?.slice(0, 8), status: answer.status, code: answer.body?.error?.code }).toEqual({
          name,
          token: token?.slice(0, 8),
          status: 401,
          code: "unauthorized",
        });
      }
      for (const role of ROLES) {
        const answer = await call(r.method, r.path, tokens[role], r.body);
        if (allows(role, op.access)) expect([401, 403], `${name} as ${role}`).not.toContain(answer.status);
        else expect({ name, role, status: answer.status, code: answer.body?.error?.code }).toEqual({ name, role, status: 403, code: "forbidden" });
      }
    }
  });

  it("refuses every tRPC procedure the same way", async () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string; meta?: ProcedureMeta } }>);
    expect(procedures.length).toBeGreaterThan(20);
    for (const [procedure, { _def }] of procedures) {
      const access = _def.meta?.access;
      expect(access, `${procedure} declares its access`).toBeDefined();
      // Credentials are checked before the input is read, so any input shows the access check.
      const send = (token?: string) =>
        _def.type === "query"
          ? call("GET", `/api/trpc/${procedure}?input=${encodeURIComponent("{}")}`, token)
          : call("POST", `/api/trpc/${procedure}`, token, {});
      const none = await send();
      expect({ procedure, status: none.status, code: none.body.error.data.lineage?.code }).toEqual({ procedure, status: 401, code: "unauthorized" });
      for (const role of ROLES) {
        const answer = await send(tokens[role]);
        if (allows(role, access!)) expect([401, 403], `${procedure} as ${role}`).not.toContain(answer.status);
        else
          expect({ procedure, role, status: answer.status, code: answer.body.error.data.lineage?.code }).toEqual({
            procedure,
            role,
            status: 403,
            code: "forbidden",
          });
      }
    }
  });

  it("signs a browser in with an http-only SameSite cookie, and wants the CSRF header on its changes", async () => {
    expect((await call("GET", "/api/v1/session")).body).toMatchObject({ authRequired: true, signedIn: false });
    expect((await call("POST", "/api/v1/session", undefined, { token: "lin_wrong" })).status).toBe(401);
    const signIn = await call("POST", "/api/v1/session", undefined, { token: tokens.admin });
    const cookie = signIn.headers.get("set-cookie")!;
    // The cookie holds a random session id, not the token (server/auth/sessions.test.ts covers the session's life).
    expect(cookie).toMatch(/^lineage_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookie).not.toContain(tokens.admin);
    const session = cookie.split(";")[0]!;
    expect((await call("GET", "/api/v1/session", undefined, undefined, { cookie: session })).body).toMatchObject({ signedIn: true, role: "admin" });
    expect((await call("GET", "/api/trpc/experiments.list", undefined, undefined, { cookie: session })).status).toBe(200);
    const forged = await call("POST", "/api/trpc/experiments.setStatus", undefined, { name: CONFIG.name, status: "paused" }, { cookie: session });
    expect(forged.status).toBe(403);
    const real = await call(
      "POST",
      "/api/trpc/experiments.setStatus",
      undefined,
      { name: CONFIG.name, status: "paused" },
      { cookie: session, "x-lineage-csrf": "1" },
    );
    expect(real.status).toBe(200);
    const out = await call("DELETE", "/api/v1/session", undefined, undefined, { cookie: session });
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });

  it("authenticates socket.io connections", async () => {
    const tryConnect = (auth?: { token: string }) =>
      new Promise<string>((resolve) => {
        const socket = connect(server.url, { transports: ["websocket"], forceNew: true, auth, reconnection: false });
        socket.on("connect", () => {
          socket.emit("join", { experiment: CONFIG.name, afterSeq: 0 }, (ack: { ok: boolean }) => {
            socket.disconnect();
            resolve(ack.ok ? "joined" : "refused");
          });
        });
        socket.on("connect_error", (e) => resolve(`error: ${e.message}`));
      });
    expect(await tryConnect()).toMatch(/^error: this server requires an API token/);
    expect(await tryConnect({ token: "lin_nope" })).toMatch(/^error: the API token is not valid/);
    expect(await tryConnect({ token: tokens.revoked })).toMatch(/^error: the API token is not valid/);
    expect(await tryConnect({ token: tokens.viewer })).toBe("joined");
  });
});

describe("access control defaults", () => {
  it("is on by default off loopback, and the first admin token is created only once", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-auth-default-"));
    try {
      const first = await startServerProcess({ dataDir, env: { HOST: "0.0.0.0" } });
      const url = first.url.replace("0.0.0.0", "127.0.0.1");
      expect(first.output()).toMatch(/an admin token was created/);
      expect((await fetch(`${url}/api/v1/experiments`)).status).toBe(401);
      await first.stop();
      const second = await startServerProcess({ dataDir, env: { HOST: "0.0.0.0" } });
      expect(second.output()).not.toMatch(/lin_/);
      await second.stop();
      const loopback = await startServerProcess({ dataDir });
      expect((await fetch(`${loopback.url}/api/v1/experiments`)).status).toBe(200);
      await loopback.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
