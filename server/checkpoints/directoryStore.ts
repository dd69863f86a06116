// Checkpoints as files in a directory (by default <data dir>/checkpoints; a shared mount serves
// several server processes). A file is written under .incoming/ and renamed into place once it
// is complete and synced, so a reader never sees part of one: a rename within one file system is
// atomic, and a server killed mid-upload leaves only an unfinished file under .incoming/.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { CheckpointStore, StoredObjectInfo } from "./store";

const INCOMING = ".incoming";

export class DirectoryStore implements CheckpointStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  private pathOf(key: string): string {
    // Keys are made by the server (store.ts), never taken from a request; this guards the rule.
    if (key.split("/").some((part) => part === "" || part === "." || part === ".." || part === INCOMING)) {
      throw new Error(`not a checkpoint key: ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...key.split("/"));
  }

  async write(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    const incoming = path.join(this.root, INCOMING);
    await mkdir(incoming, { recursive: true });
    const temporary = path.join(incoming, `${randomBytes(12).toString("hex")}.part`);
    try {
      // A large buffer: the incoming chunks (64 KiB) go to disk in few writev calls.
      await pipeline(body, createWriteStream(temporary, { flags: "wx", highWaterMark: 8 * 1024 * 1024 }));
      // On disk before it is visible: a power cut must not leave a named file with missing bytes.
      const handle = await open(temporary, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async read(key: string): Promise<{ size: number; body: Readable } | null> {
    const file = this.pathOf(key);
    // Opened first, then measured: the size is the size of what the stream reads.
    let handle;
    try {
      handle = await open(file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      return { size, body: handle.createReadStream({ highWaterMark: 1024 * 1024 }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const file = this.pathOf(key);
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      // The job's folder goes with its last file (another upload may have just made it: no harm).
      await rm(path.dirname(file), { recursive: false }).catch(() => undefined);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    const walk = async function* (this: DirectoryStore, dir: string, keyPrefix: string): AsyncGenerator<StoredObjectInfo> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.name === INCOMING && keyPrefix === "") continue;
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) yield* walk.call(this, path.join(dir, entry.name), `${key}/`);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const info = await stat(path.join(dir, entry.name)).catch(() => null);
          if (info) yield { key, size: info.size, modifiedAt: info.mtime };
        }
      }
    };
    yield* walk.call(this, this.root, "");
  }

  async sweepIncomplete(olderThan: Date): Promise<number> {
    const incoming = path.join(this.root, INCOMING);
    let removed = 0;
    for (const name of await readdir(incoming).catch(() => [] as string[])) {
      const file = path.join(incoming, name);
      const info = await stat(file).catch(() => null);
      // Another server process sharing the directory may be writing a younger one right now.
      if (info && info.mtime < olderThan) {
        await unlink(file).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }
}
