// Checkpoints through the server (`npm run bench:checkpoints` → results/checkpoints.json):
//
// 1. Transfer: a 256 MiB checkpoint uploaded (PUT, streamed from disk) and downloaded (GET,
//    streamed to disk) through one server process (PGlite, its directory store on the same disk),
//    next to a plain copy of the same file on the same disk in the same run (`cp`'s way:
//    copyFile, and a streamed read → write). The goal: at least half the copy's throughput. The
//    server's resident memory is sampled every 20 ms while each transfer runs: streamed, it stays
//    flat (never the file's size).
// 2. The MNIST example on the server's checkpoints at full size, population 8 × 30 generations,
//    2 worker processes: the most checkpoints stored at once (replayed from the event log), what
//    was deleted, and that every job finished (a failed download would crash its job).
//
//   tsx bench/checkpoints.ts [--mib 256] [--repeat 3] [--skip-mnist] [--generations 30]
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { copyFile, unlink } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import { runMnistOnServerCheckpoints } from "../examples/mnist/checkpointRun";
import { isMain, machine, median, processRssMiB, round, table, writeResults } from "./lib";

interface Timed {
  seconds: number;
  /** Peak server RSS during the transfer, minus the RSS just before it (MiB). */
  serverRssGrowthMiB?: number;
}

async function timed(server: ServerProcess | null, fn: () => Promise<void>): Promise<Timed> {
  const pid = server?.child.pid;
  const before = processRssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, processRssMiB(pid))), 20);
  const start = process.hrtime.bigint();
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  peak = Math.max(peak, processRssMiB(pid));
  return server ? { seconds, serverRssGrowthMiB: round(peak - before, 1) } : { seconds };
}

function put(url: string, file: string, leaseToken: string, sha256: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "PUT",
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(statSync(file).size),
        "x-lineage-lease-token": leaseToken,
        "x-lineage-checksum-sha256": sha256,
      },
    });
    request.once("response", (response) => {
      response.resume();
      response.once("end", () => (response.statusCode === 200 ? resolve() : reject(new Error(`upload: HTTP ${response.statusCode}`))));
    });
    request.once("error", reject);
    createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(request);
  });
}

/** GET to a file, hashing as it comes (what the SDKs do), checked against the server's header. */
function download(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`download: HTTP ${response.statusCode}`));
        const hash = createHash("sha256");
        response.on("data", (chunk: Buffer) => hash.update(chunk));
        pipeline(response, createWriteStream(file)).then(() => {
          const sent = response.headers["x-lineage-checksum-sha256"];
          if (hash.digest("hex") !== sent) reject(new Error("download: checksum mismatch"));
          else resolve();
        }, reject);
      })
      .once("error", reject);
  });
}

async function post(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return response.json();
}

async function transfer(mib: number, repeat: number) {
  const work = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-checkpoints-"));
  const dataDir = path.join(work, "server");
  const source = path.join(work, "checkpoint.bin");
  // Random bytes (incompressible), written in 16 MiB blocks.
  const block = randomBytes(16 * 1024 * 1024);
  writeFileSync(source, Buffer.alloc(0));
  const out = createWriteStream(source);
  for (let i = 0; i < mib / 16; i++) if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
  await new Promise<void>((r) => out.end(() => r()));
  const bytes = statSync(source).size;
  const sha256 = createHash("sha256");
  for await (const chunk of createReadStream(source)) sha256.update(chunk as Buffer);
  const digest = sha256.digest("hex");

  const server = await startServerProcess({ dataDir, env: { LINEAGE_MAX_CHECKPOINT_BYTES: String(2 * bytes) } });
  const rows: Record<string, Timed[]> = { "copyFile (cp)": [], "streamed read → write": [], "upload (PUT)": [], "download (GET)": [] };
  try {
    await post(`${server.url}/api/v1/experiments`, {
      name: "transfer",
      metric: "score",
      populationSize: 1,
      stop: { maxGenerations: 1000 },
      hyperparameters: { lr: { init: { kind: "const", value: 1 } } },
      leaseSeconds: 3600,
    });
    for (let r = 0; r < repeat; r++) {
      const copy = path.join(work, `copy-${r}.bin`);
      rows["copyFile (cp)"]!.push(await timed(null, () => copyFile(source, copy)));
      await unlink(copy);
      rows["streamed read → write"]!.push(await timed(null, () => pipeline(createReadStream(source, { highWaterMark: 1024 * 1024 }), createWriteStream(copy))));
      await unlink(copy);

      const claimed = await post(`${server.url}/api/v1/experiments/transfer/next-job`, { workerId: "bench" });
      const id = claimed.job.id as number;
      rows["upload (PUT)"]!.push(await timed(server, () => put(`${server.url}/api/v1/jobs/${id}/checkpoint`, source, claimed.leaseToken, digest)));
      await post(`${server.url}/api/v1/jobs/${id}/complete`, { leaseToken: claimed.leaseToken, results: { score: r } });
      const target = path.join(work, `download-${r}.bin`);
      rows["download (GET)"]!.push(await timed(server, () => download(`${server.url}/api/v1/jobs/${id}/checkpoint`, target)));
      await unlink(target);
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const summary = Object.entries(rows).map(([what, runs]) => {
    const seconds = median(runs.map((t) => t.seconds));
    const growth = runs.map((t) => t.serverRssGrowthMiB).filter((g): g is number => g !== undefined);
    return { what, seconds: round(seconds, 3), mibPerSecond: round(mib / seconds, 0), serverRssGrowthMiB: growth.length ? Math.max(...growth) : null };
  });
  const copy = summary[0]!.mibPerSecond;
  return { mib, bytes, repeat, rows: summary.map((s) => ({ ...s, ofCopyFile: round(s.mibPerSecond / copy, 2) })) };
}

async function mnist(generations: number) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-bench-mnist-checkpoints-"));
  const server = await startServerProcess({ dataDir });
  try {
    const { readdirSync, existsSync } = await import("node:fs");
    const store = path.join(dataDir, "checkpoints", "experiments");
    const report = await runMnistOnServerCheckpoints({
      urls: [server.url],
      name: "MNIST checkpoints bench",
      populationSize: 8,
      maxGenerations: generations,
      workers: 2,
      examplesPerJob: 1000,
      batchSize: 32,
      validationLimit: 500,
      countStored: async () => (existsSync(store) ? readdirSync(store, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0),
    });
    const notDone = report.jobs.filter((j) => j.status !== "done").length;
    const sizes = report.jobs.map((j) => j.checkpoint?.size ?? 0);
    return {
      populationSize: 8,
      generations,
      jobs: report.jobs.length,
      jobsNotDone: notDone,
      uploads: report.uploads,
      deleted: report.deleted,
      peakStored: report.peakStored,
      peakSeenOnDisk: report.peakSampled,
      checkpointKiB: round(median(sizes) / 1024, 1),
      seconds: round(report.seconds, 1),
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      mib: { type: "string", default: "256" },
      repeat: { type: "string", default: "3" },
      "skip-mnist": { type: "boolean", default: false },
      generations: { type: "string", default: "30" },
    },
  });
  const started = new Date().toISOString();
  const host = machine();
  console.log(`checkpoints benchmark, ${started}, load average ${host.loadAverage.join(" ")}`);
  const transferResult = await transfer(Number(values.mib), Number(values.repeat));
  console.log(`\n${transferResult.mib} MiB checkpoint, median of ${transferResult.repeat}:`);
  console.log(
    table(
      ["what", "s", "MiB/s", "× copyFile", "server RSS growth MiB (max)"],
      transferResult.rows.map((r) => [r.what, r.seconds, r.mibPerSecond, r.ofCopyFile, r.serverRssGrowthMiB ?? "-"]),
    ),
  );
  const mnistResult = values["skip-mnist"] ? null : await mnist(Number(values.generations));
  if (mnistResult) {
    console.log(`\nMNIST on the server's checkpoints, 8 × ${mnistResult.generations}, 2 workers:`);
    console.log(table(Object.keys(mnistResult), [Object.values(mnistResult) as (string | number)[]]));
  }
  // --skip-mnist keeps the MNIST figures of the run before (they take minutes to measure).
  let mnistKept: unknown = mnistResult;
  if (!mnistResult) {
    try {
      const { readFileSync } = await import("node:fs");
      mnistKept = (JSON.parse(readFileSync(path.join(import.meta.dirname, "results", "checkpoints.json"), "utf8")) as { mnist?: unknown }).mnist ?? null;
    } catch {
      mnistKept = null;
    }
  }
  const file = writeResults("checkpoints.json", {
    started,
    machine: host,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    transfer: transferResult,
    mnist: mnistKept,
  });
  console.log(`\nwrote ${file}`);
}

if (isMain(import.meta.url)) await main();
