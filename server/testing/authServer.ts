// Helpers for the access tests: an in-process server on either database, and raw HTTP requests
// (fetch cannot send a `Host` of its choosing, nor a byte-exact cookie).
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { createPostgresDatabase, type DatabaseKind } from "./databases";
import { parseEnv } from "../env";
import { startServer, type RunningServer } from "../main";

export const ADMIN_TOKEN = "lin_access_test_admin_0123456789abcdef";

export interface TestServer {
  server: RunningServer;
  url: string;
  port: number;
  env: Record<string, string>;
  /** Stops the server and starts it again on the same database, with `env` changed. */
  restart(env: Record<string, string | undefined>): Promise<void>;
  close(): Promise<void>;
}

/** A server (dashboard off) on a fresh database of the kind; `env` adds to or overrides its environment. */
export async function startTestServer(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = kind === "pglite" ? mkdtempSync(path.join(os.tmpdir(), "lineage-access-")) : null;
  const postgres = kind === "postgres" ? await createPostgresDatabase() : null;
  const database: Record<string, string> = postgres ? { DATABASE_URL: postgres.url } : { LINEAGE_DATA_DIR: dataDir! };
  const full: Record<string, string> = { PORT: "0", LINEAGE_UI: "off", ...database, ...env };
  const t: TestServer = {
    server: await startServer(parseEnv(full)),
    url: "",
    port: 0,
    env: full,
    async restart(changes) {
      await t.server.close();
      t.env = Object.fromEntries(Object.entries({ ...t.env, ...changes }).filter((e): e is [string, string] => e[1] !== undefined));
      t.server = await startServer(parseEnv(t.env));
      t.url = t.server.url;
      t.port = Number(new URL(t.url).port);
    },
    async close() {
      await t.server.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await postgres?.drop();
    },
  };
  t.url = t.server.url;
  t.port = Number(new URL(t.url).port);
  return t;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, or null when it is not JSON. */
  body: ({ error?: { code: string; message: string } } & Record<string, unknown>) | null;
}

/** One HTTP request with exactly these headers (none added but Content-Length for a body). */
export function raw(url: string, options: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: string }): Promise<RawAnswer> {
  const target = new URL(options.path, url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: {
          host: target.host,
          ...options.headers,
          ...(options.body !== undefined ? { "content-length": String(Buffer.byteLength(options.body)) } : {}),
        },
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let body: RawAnswer["body"] = null;
          try {
            body = JSON.parse(text) as RawAnswer["body"];
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The `name=value` part of a Set-Cookie for the cookie `name`. */
export function cookieFrom(answer: RawAnswer, name: string): string | null {
  const all = ([] as string[]).concat(answer.headers["set-cookie"] ?? []);
  return all.map((c) => c.split(";")[0]!).find((c) => c.startsWith(`${name}=`)) ?? null;
}

/** Words of internals that no answer may show: runtime errors, the ORM, the database. */
export const INTERNALS =
  /URI malformed|TypeError|ReferenceError|RangeError|SyntaxError|Prisma|prisma|PostgreSQL|postgres|pglite|invalid input syntax|out of range|\bat [\w.<>]+ \(|node:internal|\.ts:\d+/;
