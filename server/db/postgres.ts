// PostgreSQL: a pg pool, Prisma over @prisma/adapter-pg, and SQL on the pool (sql.ts).
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { applyMigrations } from "./migrate";
import { postgresSql } from "./sql";
import { migrate, TRANSACTION_OPTIONS, type Database, type OpenDatabaseOptions } from "./database";

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** "host:port/database (user u)" from a connection URL, for messages. Never includes the password. */
export function describePostgresUrl(url: string): string {
  const u = safeUrl(url);
  if (!u) return "(an unparseable URL)";
  const host = u.searchParams.get("host") ?? (u.hostname || "localhost");
  const port = u.searchParams.get("port") ?? (u.port || "5432");
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "(default)";
  const user = u.username ? ` as user "${decodeURIComponent(u.username)}"` : "";
  return `${host}:${port}/${database}${user}`;
}

function connectionFailure(url: string, e: unknown): Error {
  const err = e as Error & { code?: string; errors?: Error[] };
  let reason = err?.message ?? String(e);
  // Node's happy-eyeballs connect (e.g. "localhost" = ::1 and 127.0.0.1) fails with an
  // AggregateError whose own message is empty.
  if (!reason && Array.isArray(err?.errors)) reason = err.errors.map((x) => x.message).join("; ");
  if (!reason) reason = err?.code ?? "unknown error";
  const hints: Record<string, string> = {
    ECONNREFUSED: " (is PostgreSQL running and listening on that host and port?)",
    ENOTFOUND: " (unknown host name)",
    "28P01": " (wrong user name or password)",
    "3D000": " (create the database first)",
  };
  const hint = (err?.code && hints[err.code]) ?? "";
  const wrapped = new Error(`Cannot connect to PostgreSQL at ${describePostgresUrl(url)}: ${reason}${hint}`);
  (wrapped as Error & { cause?: unknown }).cause = e;
  return wrapped;
}

export async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<Database> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(`The database URL must start with postgresql:// (got "${url.split(":")[0]}:...").`);
  }
  const schema = safeUrl(url)?.searchParams.get("schema");
  if (schema && schema !== "public") {
    throw new Error(`The database URL asks for schema "${schema}": Lineage keeps its tables in "public" only.`);
  }
  const location = `PostgreSQL at ${describePostgresUrl(url)}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (server restart, network drop) must not crash the process; the pool
  // drops that client and makes a new one on demand.
  pool.on("error", (e) => console.error(`[db] idle connection to ${location} failed: ${e.message}`));

  try {
    const client = await pool.connect().catch((e: unknown) => {
      throw connectionFailure(url, e);
    });
    client.release();
    await migrate(location, () => applyMigrations(pool, "postgres", { log: opts.log }));
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }

  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    sql: postgresSql(pool),
    kind: "postgres",
    location,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect().catch(() => undefined);
        await pool.end();
      })()),
  };
}
