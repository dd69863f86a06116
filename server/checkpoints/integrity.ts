// A checkpoint's size and SHA-256, measured as its bytes stream past (an upload is never held in
// memory whole), and checked again before any byte of a download is sent.
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { LineageError } from "../domain/errors";
import type { CheckpointStore } from "./store";

/** Counts and hashes what passes through; fails the stream once it exceeds `maxBytes`. */
export class Measure extends Transform {
  private readonly hash: Hash = createHash("sha256");
  size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(
        new LineageError(
          "body_too_large",
          `the checkpoint exceeds ${this.maxBytes} bytes, the server's limit (LINEAGE_MAX_CHECKPOINT_BYTES); nothing was stored`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The SHA-256 of everything that passed, hex (once the stream has ended). */
  sha256(): string {
    return this.hash.digest("hex");
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Reads the stored object once through and compares it with what was recorded at upload; throws
 * checkpoint_corrupt (or checkpoint_not_found when the object is gone) rather than let damaged
 * bytes reach a training job.
 */
export async function verifyStored(store: CheckpointStore, key: string, expected: { size: number; sha256: string }, what: string): Promise<void> {
  const object = await store.read(key);
  if (!object) {
    throw new LineageError("checkpoint_not_found", `${what}: the checkpoint's file is missing from the store (${store.description}); it cannot be served`);
  }
  if (object.size !== expected.size) {
    object.body.destroy();
    throw corrupt(what, `its size is ${object.size} bytes, ${expected.size} were uploaded`);
  }
  const hash = createHash("sha256");
  for await (const chunk of object.body) hash.update(chunk as Buffer);
  const actual = hash.digest("hex");
  if (actual !== expected.sha256) throw corrupt(what, `its SHA-256 is ${actual}, the upload's was ${expected.sha256}`);
}

function corrupt(what: string, detail: string): LineageError {
  return new LineageError(
    "checkpoint_corrupt",
    `${what}: the stored checkpoint is damaged (${detail}); it is refused rather than served. The file in the store was changed or corrupted after its upload.`,
  );
}
