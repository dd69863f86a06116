// Checkpoints through the server: upload a file as the job's checkpoint (streamed, with its
// SHA-256 for the server to check), and download the one a job continues from into a local cache
// (named by checksum, so a donor's checkpoint loaded by several jobs on one machine comes once).
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, stat, unlink, utimes } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ApiError, LeaseExpiredError } from "./errors";

/** Where downloaded checkpoints are kept: LINEAGE_CACHE_DIR, else ~/.cache/lineage/checkpoints. */
export function defaultCacheDir(): string {
  return process.env.LINEAGE_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "lineage", "checkpoints");
}

/** How much the cache may hold before the least recently used files go: LINEAGE_CACHE_BYTES, default 20 GiB. */
export function defaultCacheBytes(): number {
  const set = Number(process.env.LINEAGE_CACHE_BYTES);
  return Number.isFinite(set) && set > 0 ? set : 20 * 1024 ** 3;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string; accepted?: string };
}

/** An error answer as the SDK's errors: 4xx are the caller's (ApiError, never retried), 5xx are retried. */
function answerError(status: number, text: string): Error {
  let body: ErrorBody | null = null;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    body = null;
  }
  const error = body?.error;
  const message = error?.message ?? (text.slice(0, 300) || `HTTP ${status}`);
  if (error?.code === "lease_invalid") return new LeaseExpiredError(message, status);
  // A damaged checkpoint in the server's store stays damaged: asking again does not help.
  if (status < 500 || error?.code === "checkpoint_corrupt") return new ApiError(message, error?.code ?? "error", status, error?.field, error?.accepted);
  return new Error(message);
}

/**
 * PUT the file as job `jobId`'s checkpoint. Streamed from disk (never read whole into memory)
 * with its length and SHA-256; the answer is the job as the server recorded it.
 */
export async function putCheckpoint(baseUrl: string, token: string | undefined, jobId: number, leaseToken: string, file: string): Promise<unknown> {
  const { size } = await stat(file);
  const sha256 = await sha256OfFile(file);
  const url = new URL(`${baseUrl}/api/v1/jobs/${jobId}/checkpoint`);
  const request = (url.protocol === "https:" ? https : http).request(url, {
    method: "PUT",
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(size),
      "x-lineage-lease-token": leaseToken,
      "x-lineage-checksum-sha256": sha256,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.once("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.once("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      response.once("error", reject);
    });
    request.once("error", reject);
  });
  // The server may refuse before reading the body (and close the connection): its answer counts.
  const sent = pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), request).catch(() => undefined);
  const { status, text } = await answered;
  await sent;
  if (status >= 200 && status < 300) return JSON.parse(text);
  throw answerError(status, text);
}

/**
 * Downloads `apiPath` (a checkpoint route) into the cache as `<sha256>.ckpt`, checking the bytes
 * against the server's x-lineage-checksum-sha256; returns the file's path. `expectedSha256`:
 * when the cache already holds it, nothing is downloaded.
 */
export async function fetchCheckpoint(
  baseUrl: string,
  token: string | undefined,
  apiPath: string,
  options: { cacheDir?: string; cacheBytes?: number; expectedSha256?: string; to?: string } = {},
): Promise<string> {
  const dir = options.to ? path.dirname(path.resolve(options.to)) : (options.cacheDir ?? defaultCacheDir());
  await mkdir(dir, { recursive: true });
  if (options.expectedSha256) {
    const cached = path.join(dir, `${options.expectedSha256}.ckpt`);
    if (await touch(cached)) return cached;
  }
  const response = await fetch(`${baseUrl}/api/v1${apiPath}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok || !response.body) throw answerError(response.status, await response.text());
  const announced = response.headers.get("x-lineage-checksum-sha256") ?? "";
  const target = options.to ? path.resolve(options.to) : path.join(dir, `${announced}.ckpt`);
  if (!options.to && /^[0-9a-f]{64}$/.test(announced) && (await touch(target))) {
    await response.body.cancel();
    return target;
  }
  const partial = path.join(dir, `.${randomBytes(8).toString("hex")}.part`);
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), hashing, createWriteStream(partial));
    const received = hash.digest("hex");
    // Retried by the caller: the bytes were damaged on the way.
    if (received !== announced) throw new Error(`the checkpoint from ${apiPath} arrived damaged: SHA-256 ${received}, the server sent ${announced}`);
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  if (!options.to) await evict(dir, options.cacheBytes ?? defaultCacheBytes(), target);
  return target;
}

/** Marks a cached file as just used; false when it is not there. */
async function touch(file: string): Promise<boolean> {
  try {
    const now = new Date();
    await utimes(file, now, now);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the least recently used checkpoints until the cache holds at most `maxBytes` (never `keep`). */
async function evict(dir: string, maxBytes: number, keep: string): Promise<void> {
  const files = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".ckpt")) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info) files.push({ file, size: info.size, used: info.mtimeMs });
  }
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const f of files.sort((a, b) => a.used - b.used)) {
    if (total <= maxBytes) break;
    if (f.file === keep) continue;
    await unlink(f.file).catch(() => undefined);
    total -= f.size;
  }
}
