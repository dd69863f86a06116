// Revocation and sign-out reach every process at once: the credential is refused on the next
// request anywhere, and the sockets made with it are cut within a second. On PostgreSQL with two
// real server processes (the revocation on one, the sockets and requests on the other too); on
// PGlite with the one process it allows.
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { ADMIN_TOKEN, cookieFrom, raw } from "../testing/authServer";
import { waitFor } from "../testing/waitFor";

const CONFIG = {
  name: "revocation",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 2 },
  hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
};

describeEachDatabase("revocation on every process", (kind) => {
  const servers: ServerProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  const open: Socket[] = [];
  /** A: where tokens are revoked and sessions end; B: another process (the same one on PGlite). */
  let a: string;
  let b: string;

  beforeAll(async () => {
    const env = { LINEAGE_AUTH: "on", LINEAGE_ADMIN_TOKEN: ADMIN_TOKEN };
    if (kind === "postgres") {
      const db = await createPostgresDatabase();
      drop = db.drop;
      servers.push(...(await Promise.all([startServerProcess({ databaseUrl: db.url, env }), startServerProcess({ databaseUrl: db.url, env })])));
    } else {
      servers.push(await startServerProcess({ env }));
    }
    a = servers[0]!.url;
    b = servers.at(-1)!.url;
    expect((await post(a, "/api/v1/experiments", ADMIN_TOKEN, CONFIG)).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    for (const socket of open) socket.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    await drop?.();
  });

  function post(url: string, path: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
    return raw(url, {
      method: "POST",
      path,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify(body),
    });
  }
  const get = (url: string, path: string, headers: Record<string, string>) => raw(url, { path, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function newToken(role: string) {
    const answer = await post(a, "/api/v1/tokens", ADMIN_TOKEN, { name: `${role} ${Math.random()}`, role });
    expect(answer.status).toBe(201);
    return answer.body as unknown as { id: number; token: string };
  }

  /** A joined socket, and when it was cut (null while it lives). */
  async function liveSocket(url: string, options: { token?: string; cookie?: string }) {
    const socket = connect(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      ...(options.token ? { auth: { token: options.token } } : {}),
      ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
    });
    open.push(socket);
    const state = { socket, cutAt: null as number | null, reason: "" };
    socket.on("disconnect", (reason) => {
      state.cutAt = Date.now();
      state.reason = reason;
    });
    const ack = await new Promise<{ ok: boolean }>((resolve, reject) => {
      socket.on("connect_error", reject);
      socket.on("connect", () => socket.emit("join", { experiment: CONFIG.name, afterSeq: 0 }, resolve));
    });
    expect(ack.ok).toBe(true);
    return state;
  }

  async function cutWithin(states: { cutAt: number | null; reason: string }[], since: number, ms: number) {
    // Until the deadline at most; the checks below say which socket was late.
    await waitFor(() => states.every((s) => s.cutAt !== null), { timeoutMs: since + ms - Date.now(), intervalMs: 10 }).catch(() => {});
    for (const s of states) {
      expect(s.cutAt, "socket still connected a second after the revocation").not.toBeNull();
      expect(s.cutAt! - since).toBeLessThan(ms);
      expect(s.reason).toBe("io server disconnect");
    }
  }

  it("refuses a revoked admin token on the next request everywhere, and cuts its sockets within a second", async () => {
    const victim = await newToken("admin");
    const session = cookieFrom(await post(b, "/api/v1/session", null, { token: victim.token }), "lineage_session")!;
    // Every process has seen (and cached) the token and the session.
    for (const url of [a, b]) {
      expect((await get(url, "/api/v1/tokens", bearer(victim.token))).status).toBe(200);
      expect((await get(url, "/api/v1/experiments", { cookie: session })).status).toBe(200);
    }
    const sockets = [await liveSocket(a, { token: victim.token }), await liveSocket(b, { token: victim.token }), await liveSocket(b, { cookie: session })];
    const bystander = await liveSocket(b, { token: ADMIN_TOKEN });

    const started = Date.now();
    const revoked = await raw(a, { method: "DELETE", path: `/api/v1/tokens/${victim.id}`, headers: bearer(ADMIN_TOKEN) });
    expect(revoked.status).toBe(200);
    // At once on the other process: a burst of admin calls all fail (before, ~5 s of them passed).
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => post(b, "/api/v1/tokens", victim.token, { name: `minted ${i}`, role: "admin" })));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect((await get(b, "/api/v1/experiments", { cookie: session })).status, "its session on B").toBe(401);
    expect((await get(a, "/api/v1/experiments", bearer(victim.token))).status, "the token on A").toBe(401);
    await cutWithin(sockets, started, 1000);
    expect(bystander.cutAt).toBeNull();

    const again = await new Promise<string>((resolve) => {
      const socket = connect(b, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { token: victim.token } });
      socket.on("connect", () => resolve("connected"));
      socket.on("connect_error", (e) => resolve(e.message));
    });
    expect(again).toMatch(/not valid/);
    const tokens = (await get(a, "/api/v1/tokens", bearer(ADMIN_TOKEN))).body as unknown as { name: string }[];
    expect(tokens.filter((t) => t.name.startsWith("minted"))).toEqual([]);
  });

  it("ends a session at sign-out on every process, and cuts its sockets within a second", async () => {
    const viewer = await newToken("viewer");
    const session = cookieFrom(await post(a, "/api/v1/session", null, { token: viewer.token }), "lineage_session")!;
    const other = cookieFrom(await post(a, "/api/v1/session", null, { token: viewer.token }), "lineage_session")!;
    expect((await get(b, "/api/v1/experiments", { cookie: session })).status).toBe(200);
    const sockets = [await liveSocket(a, { cookie: session }), await liveSocket(b, { cookie: session })];
    const sameTokenOtherSession = await liveSocket(b, { cookie: other });

    const started = Date.now();
    expect((await raw(a, { method: "DELETE", path: "/api/v1/session", headers: { cookie: session } })).status).toBe(200);
    expect((await get(b, "/api/v1/experiments", { cookie: session })).status, "the ended session on B").toBe(401);
    await cutWithin(sockets, started, 1000);
    // Signing out ends that session only: the token and its other sessions go on.
    expect(sameTokenOtherSession.cutAt).toBeNull();
    expect((await get(b, "/api/v1/experiments", { cookie: other })).status).toBe(200);
    expect((await get(b, "/api/v1/experiments", bearer(viewer.token))).status).toBe(200);
  });
});
