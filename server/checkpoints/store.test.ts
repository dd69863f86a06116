// Both checkpoint stores against the same expectations: the directory, and the S3 store against
// s3rver started here (no cloud is reachable). Real files, real HTTP; nothing mocked.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryStore } from "./directoryStore";
import type { CheckpointStore } from "./store";
import { startLocalS3, type LocalS3 } from "../testing/localS3";

async function readAll(store: CheckpointStore, key: string): Promise<Buffer | null> {
  const object = await store.read(key);
  if (!object) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(object.size);
  return bytes;
}

async function keys(store: CheckpointStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

/** A stream that sends `bytes` and then fails, as a client that disconnects mid-upload does. */
function failingAfter(bytes: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(bytes);
      } else {
        this.destroy(new Error("client went away"));
      }
    },
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "lineage-store-"));
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const backends: [string, () => CheckpointStore][] = [
  ["directory", () => new DirectoryStore(path.join(tmp, "dir"))],
  ["s3 (s3rver)", () => s3.store("team-a/")],
];

describe.each(backends)("checkpoint store: %s", (_name, make) => {
  let store: CheckpointStore;
  beforeAll(() => {
    store = make();
  });

  it("writes, reads back byte for byte, lists and deletes; sizes around the multipart part size", async () => {
    for (const size of [0, 1, 8 * 1024 * 1024 - 1, 8 * 1024 * 1024, 8 * 1024 * 1024 + 1, 17 * 1024 * 1024 + 5]) {
      const bytes = randomBytes(size);
      const key = `experiments/1/jobs/${size}/a.ckpt`;
      // Chunks of odd sizes, as a network delivers them.
      const chunks: Buffer[] = [];
      for (let at = 0; at < size; at += 65_521) chunks.push(bytes.subarray(at, at + 65_521));
      await store.write(key, Readable.from(chunks));
      const back = await readAll(store, key);
      expect(back!.length).toBe(size);
      expect(createHash("sha256").update(back!).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    expect(await keys(store, "experiments/1/")).toHaveLength(6);
    expect(await keys(store, "experiments/1/jobs/1/")).toEqual(["experiments/1/jobs/1/a.ckpt"]);
    await store.delete(["experiments/1/jobs/0/a.ckpt", "experiments/1/jobs/1/a.ckpt", "experiments/1/jobs/404/missing.ckpt"]);
    expect(await keys(store, "experiments/1/")).toHaveLength(4);
    expect(await store.read("experiments/1/jobs/1/a.ckpt")).toBeNull();
    await store.delete(await keys(store, "experiments/1/"));
    expect(await keys(store)).toEqual([]);
  });

  it("leaves nothing visible when the upload stream fails part way (small and multipart)", async () => {
    for (const size of [1000, 20 * 1024 * 1024]) {
      const key = `experiments/2/jobs/${size}/b.ckpt`;
      await expect(store.write(key, failingAfter(randomBytes(size)))).rejects.toThrow(/client went away/);
      expect(await store.read(key)).toBeNull();
    }
    expect(await keys(store)).toEqual([]);
  });
});

describe("directory store", () => {
  it("keeps unfinished files out of its listing and sweeps old ones", async () => {
    const root = path.join(tmp, "sweep");
    const store = new DirectoryStore(root);
    await store.write("experiments/3/jobs/1/c.ckpt", Readable.from([Buffer.from("done")]));
    // An upload cut short by a killed server leaves its file under .incoming/ only.
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(path.join(root, ".incoming"), { recursive: true });
    writeFileSync(path.join(root, ".incoming", "x.part"), "half");
    expect(await keys(store)).toEqual(["experiments/3/jobs/1/c.ckpt"]);
    expect(await store.sweepIncomplete(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await store.sweepIncomplete(new Date(Date.now() + 1000))).toBe(1);
    expect(readdirSync(path.join(root, ".incoming"))).toEqual([]);
  });

  it("refuses keys that would leave its folder", async () => {
    const store = new DirectoryStore(path.join(tmp, "keys"));
    await expect(store.read("../etc/passwd")).rejects.toThrow(/not a checkpoint key/);
    await expect(store.write("a//b", Readable.from([]))).rejects.toThrow(/not a checkpoint key/);
  });
});
