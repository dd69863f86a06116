// Starts the real server (server/main.ts) as a child process for integration tests, on a free
// port, with the dashboard off unless asked for.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server printed, for assertions and for failure messages. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /**
   * Moves the server's clock forward (started with `testClock: true`), so leases run out without
   * waiting; resolves with the server's new time.
   */
  advanceClock(seconds: number): Promise<Date>;
}

/** A port that was free a moment ago, for a server that must come back on the same one. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcessOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** A clock the test moves with advanceClock() (LINEAGE_TEST_CLOCK=on, server/clock.ts). */
  testClock?: boolean;
  env?: Record<string, string>;
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const ownDataDir = !options.databaseUrl && !options.dataDir ? mkdtempSync(path.join(os.tmpdir(), "lineage-server-")) : null;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server", "main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LINEAGE_UI: "off",
      LINEAGE_REAPER_INTERVAL_MS: "250",
      LINEAGE_RETRY_AFTER_SECONDS: "0.1",
      DATABASE_URL: options.databaseUrl ?? "",
      LINEAGE_DATA_DIR: options.dataDir ?? ownDataDir ?? "",
      LINEAGE_TEST_CLOCK: options.testClock ? "on" : "off",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 90 s:\n${output}`)), 90_000);
    const onData = () => {
      const match = /Lineage listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  const cleanup = () => {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  };
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      cleanup();
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    async advanceClock(seconds) {
      const answer = await fetch(`${url}/api/v1/testing/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advanceSeconds: seconds }),
      });
      if (answer.status !== 200) throw new Error(`the test clock answered ${answer.status} ${await answer.text()} (start the server with testClock: true)`);
      return new Date(((await answer.json()) as { now: string }).now);
    },
  };
}
