// The embedded database: one PGlite per data folder and process (shared by every openDatabase on
// it, and kept across Next.js dev-mode reloads), a lock file against a second process on the same
// folder, Prisma over pglite-prisma-adapter, and SQL on PGlite directly (sql.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";
import { applyMigrations } from "./migrate";
import { pgliteSql, type Sql } from "./sql";
import { migrate, TRANSACTION_OPTIONS, type Database, type OpenDatabaseOptions } from "./database";

interface SharedPGlite {
  pglite: PGlite;
  prisma: PrismaClient;
  sql: Sql;
  location: string;
  release(): Promise<void>;
}

interface RegistryEntry {
  refs: number;
  ready: Promise<SharedPGlite>;
}

/**
 * One PGlite per data folder per process, shared by every openDatabase() on that folder (also
 * across Next.js dev-mode module reloads, hence globalThis). Each handle has its own close();
 * the PGlite closes with the last one.
 */
const REGISTRY_KEY = Symbol.for("lineage.db.pgliteRegistry");
const registry: Map<string, RegistryEntry> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= new Map<string, RegistryEntry>()) as Map<
  string,
  RegistryEntry
>;

const LOCK_FILE = "lineage.pid";

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith("memory://");
}

export async function openPGlite(dataDir: string, opts: OpenDatabaseOptions): Promise<Database> {
  if (isMemory(dataDir)) {
    // Every in-memory database is its own.
    const shared = await startPGlite(undefined, opts);
    return handle(shared, () => shared.release());
  }

  const dir = path.resolve(dataDir);
  let entry = registry.get(dir);
  if (!entry) {
    const ready = startPGlite(dir, opts);
    entry = { refs: 0, ready };
    registry.set(dir, entry);
    ready.catch(() => registry.delete(dir));
  }
  entry.refs++;
  const current = entry;
  let shared: SharedPGlite;
  try {
    shared = await current.ready;
  } catch (e) {
    current.refs--;
    throw e;
  }
  return handle(shared, async () => {
    if (--current.refs > 0) return;
    if (registry.get(dir) === current) registry.delete(dir);
    await shared.release();
  });
}

function handle(shared: SharedPGlite, release: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma: shared.prisma,
    sql: shared.sql,
    kind: "pglite",
    location: shared.location,
    close: () => (closing ??= release()),
  };
}

/** Refuses a data folder that another live process has open (PGlite has no such guard itself). */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const mine = `${process.pid}\n${os.hostname()}\n${processStartTime(process.pid) ?? ""}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(file, "utf8") === mine) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner = NaN;
    let host = "";
    let started = "";
    try {
      const [pidLine, hostLine, startLine] = fs.readFileSync(file, "utf8").split("\n");
      owner = Number(pidLine);
      host = hostLine ?? "";
      started = startLine ?? "";
    } catch {
      continue; // removed meanwhile: try again
    }
    // Held when written on this host by another process that still runs, and (where /proc tells)
    // is the same process, not a later one that got the same pid (containers restart with the
    // same pids). A folder shared between hosts is not guarded.
    const live =
      Number.isInteger(owner) &&
      owner > 0 &&
      owner !== process.pid &&
      host === os.hostname() &&
      isAlive(owner) &&
      (!started || processStartTime(owner) === undefined || processStartTime(owner) === started);
    if (live) {
      throw new Error(
        `The PGlite data folder ${dir} is in use by process ${owner}: one database folder serves one ` +
          `Lineage server at a time. Stop that process (or, if it is not a Lineage server, delete ${file}).`,
      );
    }
    // Stale (its process is gone) or left by this very process: take it over.
    fs.rmSync(file, { force: true });
  }
  throw new Error(`Could not lock the PGlite data folder ${dir} (${file} keeps reappearing).`);
}

/** The process's start time in clock ticks since boot, from /proc (Linux); undefined elsewhere. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "pid (comm)": state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function startPGlite(dir: string | undefined, opts: OpenDatabaseOptions): Promise<SharedPGlite> {
  let unlock = () => {};
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(dir);
  }
  const location = dir ? `PGlite in ${dir}` : "PGlite in memory";
  let db: PGlite | undefined;
  try {
    try {
      db = dir ? new PGlite(dir) : new PGlite(opts.pgliteLoadDataDir ? { loadDataDir: opts.pgliteLoadDataDir } : {});
      await db.waitReady;
    } catch (e) {
      const wrapped = new Error(`Cannot open ${location}: ${e instanceof Error ? e.message : String(e)}`);
      (wrapped as Error & { cause?: unknown }).cause = e;
      throw wrapped;
    }
    const target = db;
    await migrate(location, () => applyMigrations(target, "pglite", { log: opts.log }));
  } catch (e) {
    if (db && !db.closed) await db.close().catch(() => undefined);
    unlock();
    throw e;
  }
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(db),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  const pglite = db;
  return {
    pglite,
    prisma,
    sql: pgliteSql(pglite),
    location,
    release: async () => {
      try {
        await prisma.$disconnect().catch(() => undefined);
        if (!pglite.closed) await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
