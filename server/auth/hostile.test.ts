// Hostile inputs, class "cookies and headers": malformed, oversized, duplicated and odd cookies
// and headers on every kind of endpoint (worker API, tRPC, sign-in, pages, socket.io), with
// access control on and off. Never a 5xx, never an internal message, nothing stored.
import { io as connect } from "socket.io-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { describeEachDatabase } from "../testing/databases";
import { dataChecksum } from "../testing/dataChecksum";
import { ADMIN_TOKEN, INTERNALS, raw, startTestServer, type TestServer } from "../testing/authServer";

const CONFIG = {
  name: "hostile headers",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 2 },
  hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
};

/** Latin-1 text as Node sends it on the wire (bytes 0x80-0xff are legal in header values). */
const latin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");

const COOKIES: string[] = [
  "lineage_token=%E0%A4%A",
  "lineage_session=%E0%A4%A",
  "lineage_session=%",
  "lineage_session=%ED%A0%80",
  "lineage_session=%00",
  "lineage_session=",
  "lineage_session",
  `lineage_session=${"A".repeat(43)}`,
  `lineage_session=${"x".repeat(8000)}`,
  "lineage_session=a; lineage_session=b; lineage_token=c",
  "=; ;;; =lineage_session; lineage_session==",
  latin1("lineage_session=é€😀"),
  `lineage_token=${ADMIN_TOKEN}`,
  "lineage_token=lin_%00%ZZ",
];

const HEADERS: Record<string, string>[] = [
  ...COOKIES.map((cookie) => ({ cookie })),
  { authorization: "Bearer" },
  { authorization: "Bearer " },
  { authorization: "Basic Zm9vOmJhcg==" },
  { authorization: "Bearer lin_%E0%A4%A" },
  { authorization: `Bearer lin_${"a".repeat(10_000)}` },
  { authorization: "Bearer a b" },
  { authorization: latin1("Bearer lin_é😀") },
  { authorization: "" },
  { "x-lineage-csrf": latin1("1é") },
  { origin: "http://[" },
  { origin: "javascript:alert(1)" },
  { origin: latin1("http://é.example") },
  { origin: `http://${"a".repeat(5000)}.example` },
  { "sec-fetch-site": latin1("cross-site\u00ff") },
  { host: "[" },
  { host: ":::" },
  { host: `${"h".repeat(3000)}.example` },
  { host: latin1("é.example") },
  { "x-forwarded-proto": "https, http" },
  { "x-forwarded-host": latin1(",,é") },
  { "content-type": latin1("application/json; charset=é") },
  { cookie: "a=".repeat(5000) },
];

const ENDPOINTS: { method: string; path: string; body?: string }[] = [
  { method: "GET", path: "/api/v1/experiments" },
  { method: "GET", path: `/api/v1/experiments/${encodeURIComponent(CONFIG.name)}/events` },
  // A write that changes nothing even when allowed (no such experiment).
  { method: "POST", path: "/api/v1/experiments/no%20such/next-job", body: JSON.stringify({ workerId: "w" }) },
  { method: "DELETE", path: "/api/v1/tokens/1" },
  { method: "GET", path: `/api/trpc/experiments.list?input=${encodeURIComponent("{}")}` },
  { method: "POST", path: "/api/trpc/experiments.setStatus", body: JSON.stringify({ name: "no such", status: "paused" }) },
  { method: "GET", path: "/api/v1/session" },
  { method: "POST", path: "/api/v1/session", body: JSON.stringify({ token: "lin_not_a_token" }) },
  { method: "DELETE", path: "/api/v1/session" },
  { method: "GET", path: "/" },
];

describeEachDatabase("hostile cookies and headers", (kind) => {
  for (const mode of ["on", "off"] as const) {
    describe(`access control ${mode}`, () => {
      let t: TestServer;
      let errors: MockInstance;
      beforeAll(async () => {
        t = await startTestServer(kind, mode === "on" ? { LINEAGE_AUTH: "on", LINEAGE_ADMIN_TOKEN: ADMIN_TOKEN } : {});
        const created = await raw(t.url, {
          method: "POST",
          path: "/api/v1/experiments",
          headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify(CONFIG),
        });
        expect(created.status).toBe(201);
      });
      afterAll(async () => {
        await t?.close();
      });
      beforeEach(() => {
        errors = vi.spyOn(console, "error");
      });
      afterEach(() => {
        // Nothing reached the "internal error" paths, which log.
        expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([]);
        errors.mockRestore();
      });

      it("answers every endpoint without a 5xx or an internal message, and stores nothing", async () => {
        const prisma = t.server.database.prisma;
        const before = {
          data: await dataChecksum(prisma),
          tokens: await prisma.apiToken.findMany({ orderBy: { id: "asc" } }),
          sessions: await prisma.session.count(),
        };
        let answered = 0;
        for (const headers of HEADERS) {
          for (const endpoint of ENDPOINTS) {
            const sendsBody = endpoint.body !== undefined;
            const answer = await raw(t.url, {
              method: endpoint.method,
              path: endpoint.path,
              headers: { ...(sendsBody ? { "content-type": "application/json" } : {}), ...headers },
              body: endpoint.body,
            }).catch((error: Error) => ({ status: 0, text: `connection failed: ${error.message}`, headers: {}, body: null }));
            const what = `${endpoint.method} ${endpoint.path} with ${JSON.stringify(headers).slice(0, 120)}`;
            expect(answer.status, what).toBeGreaterThanOrEqual(200);
            expect(answer.status, what).toBeLessThan(500);
            expect(answer.text, what).not.toMatch(INTERNALS);
            if (answer.status >= 400 && answer.status !== 431) {
              // Our error shape; tRPC's carries it in data.lineage (or its own code, e.g. for a route it does not know).
              const error = answer.body?.error as { code?: unknown; data?: { code?: string; lineage?: { code: string } | null } } | undefined;
              expect(typeof error?.code === "string" ? error.code : (error?.data?.lineage?.code ?? error?.data?.code), what).toMatch(/^[a-zA-Z_]+$/);
            }
            answered++;
          }
        }
        expect(answered).toBe(HEADERS.length * ENDPOINTS.length);
        expect(await dataChecksum(prisma)).toBe(before.data);
        expect(await prisma.apiToken.findMany({ orderBy: { id: "asc" } })).toEqual(before.tokens);
        expect(await prisma.session.count()).toBe(before.sessions);
      });

      it("refuses or admits sockets cleanly, whatever the cookies and headers", async () => {
        for (const headers of HEADERS.filter((h) => !h["content-type"])) {
          const outcome = await new Promise<string>((resolve) => {
            const socket = connect(t.url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 5000, extraHeaders: headers });
            socket.on("connect", () => {
              socket.disconnect();
              resolve("connected");
            });
            socket.on("connect_error", (e) => {
              socket.disconnect();
              resolve(`refused: ${e.message}`);
            });
          });
          expect(outcome, JSON.stringify(headers).slice(0, 120)).not.toMatch(INTERNALS);
          expect(outcome).not.toMatch(/could not check credentials/);
        }
        expect((await raw(t.url, { path: "/api/v1/health" })).status).toBe(200);
      });
    });
  }
});
