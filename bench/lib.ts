// Shared helpers of the benchmarks: percentiles, a keep-alive HTTP client, the machine's
// description, tables and the results files.
import http from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DirectoryStore } from "../server/checkpoints/directoryStore";
import { parseArgs, type ParseArgsConfig } from "node:util";

export const BENCH_DIR = import.meta.dirname;
export const RESULTS_DIR = path.join(BENCH_DIR, "results");

/** The q-th percentile (0..100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Latency summary in milliseconds. */
export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function latency(samples: number[]): Latency {
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    max: round(samples.length ? Math.max(...samples) : NaN),
  };
}

/** The machine the figures come from, and how busy it was. */
export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1, 5 and 15 minute load averages when the benchmark started. */
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
}

export function writeResults(file: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const target = path.resolve(RESULTS_DIR, file);
  writeFileSync(target, JSON.stringify(data, null, 2) + "\n");
  return target;
}

/** A plain-text table: header row, then rows; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  const line = (r: (string | number)[], numeric: boolean[]) =>
    r.map((c, i) => (numeric[i] ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join("  ");
  const numeric = header.map((_, i) => rows.some((r) => typeof r[i] === "number"));
  return [
    line(
      header,
      numeric.map(() => false),
    ),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.slice(1).map((r) => line(r, numeric)),
  ].join("\n");
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "-";
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/**
 * POST JSON over keep-alive connections with node:http (cheaper in CPU than fetch, which
 * matters when the simulated workers share the machine's two cores with the server).
 */
export function createJsonClient(maxSockets = Infinity) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    get(url: string): Promise<{ status: number; body: any }> {
      return request(url, "GET");
    },
    post(url: string, body: unknown): Promise<{ status: number; body: any }> {
      return request(url, "POST", Buffer.from(JSON.stringify(body)));
    },
    close() {
      agent.destroy();
    },
  };

  function request(url: string, method: "GET" | "POST", payload?: Buffer): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const headers = payload ? { "content-type": "application/json", "content-length": payload.length } : {};
      const req = http.request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
          } catch (e) {
            reject(new Error(`${url}: ${res.statusCode} unparseable answer ${text.slice(0, 200)}`));
          }
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True when this module is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return !!process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(moduleUrl).pathname);
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN elsewhere. */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Resident memory of a process in MiB, from /proc; NaN elsewhere. */
export function processRssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib ? Number(kib) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A checkpoint store for in-process schedulers of benchmarks that upload none (a folder nothing is written to). */
export function unusedCheckpointStore() {
  return new DirectoryStore(path.join(os.tmpdir(), "lineage-bench-unused-checkpoints"));
}

/** Prints what was wrong and the usage, and exits with 2 (a bad command line). */
export function usageError(message: string, usage: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * The command line's options (plus -h/--help, which prints `usage` and exits); an unknown option
 * or a missing value is a usage error.
 */
export function parseCli(usage: string, options: NonNullable<ParseArgsConfig["options"]>): Record<string, string | boolean | undefined> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } } }));
  } catch (error) {
    usageError((error as Error).message, usage);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values as Record<string, string | boolean | undefined>;
}

/** `text` as a positive integer (or `fallback` when absent); anything else is a usage error naming `--name`. */
export function positiveInt(name: string, text: string | undefined, fallback: number, usage: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`, usage);
  return value;
}
