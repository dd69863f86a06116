// The Lineage server: Next.js (the dashboard), tRPC (/api/trpc), the worker HTTP API (/api/v1)
// and socket.io, all on one port. The APIs are served here rather than by Next.js route handlers
// so that one module instance owns the database and the event bus.
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { openDatabase, type Database } from "./db/client";
import { keepStatistics } from "./db/statistics";
import { parseEnv, type Env } from "./env";
import { createHttpApi } from "./api/http";
import { appRouter } from "./api/root";
import { MAX_BATCH_SIZE } from "./domain/limits";
import { createLocalBus } from "./realtime/bus";
import { createPostgresBus } from "./realtime/postgresBus";
import { attachSockets } from "./realtime/sockets";
import { createScheduler, type Scheduler } from "./scheduler";
import { openCheckpointStore } from "./checkpoints/openStore";
import type { ApiContext } from "./api/operations";
import { LineageError } from "./domain/errors";
import { checkHost, requireJsonWrites } from "./auth/crossSite";
import { authenticate } from "./auth/request";
import { OPEN_ACCESS } from "./auth/roles";
import { setUpAuth } from "./auth/setup";
import { createTestClock, serveTestClock, systemClock } from "./clock";

/** How old an object no job names must be before the start-up sweep deletes it (younger ones may be uploads in flight). */
const ORPHAN_GRACE_MS = 3600_000;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface RunningServer {
  server: Server;
  url: string;
  database: Database;
  scheduler: Scheduler;
  close(): Promise<void>;
}

export async function startServer(env: Env): Promise<RunningServer> {
  const dataDir = path.resolve(env.LINEAGE_DATA_DIR);
  const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: path.join(dataDir, "db") });
  // Several processes on one PostgreSQL share their events through it; PGlite has one process.
  const postgresBus = env.DATABASE_URL
    ? await createPostgresBus(env.DATABASE_URL).catch(async (error) => {
        await database.close();
        throw error;
      })
    : null;
  const bus = postgresBus ?? createLocalBus();
  const testClock = env.LINEAGE_TEST_CLOCK === "on" ? createTestClock() : null;
  if (testClock) console.warn("LINEAGE_TEST_CLOCK=on: tests may move this server's clock forward (a test server, never a real one)");
  const clock = testClock ?? systemClock;
  const checkpoints = openCheckpointStore({ store: env.LINEAGE_CHECKPOINT_STORE, dataDir, s3Endpoint: env.LINEAGE_S3_ENDPOINT });
  const scheduler = createScheduler(
    { prisma: database.prisma, sql: database.sql, bus, checkpoints, now: clock.now },
    { retryAfterSeconds: env.LINEAGE_RETRY_AFTER_SECONDS, maxCheckpointBytes: env.LINEAGE_MAX_CHECKPOINT_BYTES },
  );
  // What a server killed mid-upload left behind; an hour old, so no other process is still writing it.
  void scheduler
    .sweepOrphanCheckpoints(new Date(Date.now() - ORPHAN_GRACE_MS))
    .then((swept) => swept > 0 && console.log(`checkpoints: swept ${swept} unfinished or unreferenced objects from the ${checkpoints.description}`))
    .catch((error: unknown) => console.error(`checkpoints: the sweep of the ${checkpoints.description} failed:`, error));
  const auth = await setUpAuth(env, database, bus);
  const httpApi = createHttpApi(
    { scheduler, db: scheduler.deps },
    { maxBodyBytes: env.LINEAGE_MAX_BODY_BYTES, maxRawBodyBytes: env.LINEAGE_MAX_CHECKPOINT_BYTES, auth },
  );
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    async createContext({ req }): Promise<ApiContext> {
      const request = { method: req.method, headers: req.headers };
      try {
        return { scheduler, db: scheduler.deps, request, principal: await authenticate(req, auth) };
      } catch (error) {
        if (!(error instanceof LineageError)) throw error;
        return { scheduler, db: scheduler.deps, request, principal: OPEN_ACCESS, authError: error };
      }
    },
    maxBodySize: env.LINEAGE_MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    onError({ error, path: procedure }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${procedure}:`, error);
    },
  });

  let nextHandler: ((req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>) | null = null;
  if (env.LINEAGE_UI !== "off") {
    const { default: next } = await import("next");
    const app = next({ dev: env.LINEAGE_UI === "dev", dir: ROOT, hostname: env.HOST, port: env.PORT });
    await app.prepare();
    nextHandler = app.getRequestHandler();
  }

  const server = createServer(async (req, res) => {
    try {
      // Before anything answers: what a hostile page could make a browser send (server/auth/crossSite.ts).
      checkHost(req, auth);
      requireJsonWrites(req);
      if (testClock && (await serveTestClock(req, res, testClock, auth))) return;
      if (await httpApi(req, res)) return;
      if (req.url?.startsWith("/api/trpc/")) return trpc(req, res);
      if (!hasDecodablePath(req.url)) {
        // Next.js answers 500 ("URI malformed") for /experiments/%E0%A4%A: a bad link is the client's.
        res
          .writeHead(400, { "content-type": "application/json; charset=utf-8" })
          .end(JSON.stringify({ error: { code: "invalid_input", message: "the URL's path is not valid percent-encoded UTF-8", field: "(path)" } }));
        return;
      }
      if (nextHandler) return await nextHandler(req, res);
      res
        .writeHead(404, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify({ error: { code: "not_found", message: "the dashboard is off (LINEAGE_UI=off); the API is under /api/v1" } }));
    } catch (error) {
      if (error instanceof LineageError) {
        req.resume();
        res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify(error.toBody()));
        return;
      }
      console.error(`${req.method} ${req.url}:`, error);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  // Keep idle connections longer than clients do (Node's default is 5 s). A client that reuses a
  // kept-alive connection just as the server closes it gets ECONNRESET: workers heartbeat every
  // few seconds and are spaced out by training, so with 5 s this hit real calls (and e2e tests).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const sockets = attachSockets(server, scheduler.deps, bus, auth);
  const stopReaper = scheduler.startReaper(env.LINEAGE_REAPER_INTERVAL_MS);
  // PostgreSQL analyzes its tables itself (autovacuum); PGlite never does.
  const statistics = database.kind === "pglite" ? keepStatistics(database.sql) : null;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  const url = `http://${env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    server,
    url,
    database,
    scheduler,
    close() {
      closing ??= (async () => {
        await stopReaper();
        await scheduler.checkpointsSettled();
        await statistics?.stop();
        await sockets.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await postgresBus?.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** Whether every percent-escape in the URL's path decodes to UTF-8 text. */
function hasDecodablePath(url: string | undefined): boolean {
  try {
    decodeURIComponent(new URL(url ?? "/", "http://localhost").pathname);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  let env: Env;
  try {
    env = parseEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  let running: RunningServer;
  try {
    running = await startServer(env);
  } catch (error) {
    console.error(`Lineage could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  const storage = env.DATABASE_URL ? "PostgreSQL" : `embedded database in ${path.resolve(env.LINEAGE_DATA_DIR, "db")}`;
  console.log(`Lineage listening on ${running.url} (${storage}${env.LINEAGE_UI === "off" ? ", dashboard off" : ""})`);
  const stop = async (signal: string) => {
    console.log(`${signal}: shutting down`);
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await running.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
