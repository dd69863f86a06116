// Where the server keeps checkpoints: one interface, two backends (a directory, the default, and
// an S3-compatible object store), chosen by LINEAGE_CHECKPOINT_STORE (openStore.ts). Objects are
// written once under a fresh key and never changed; the job's row names the key, so an object no
// row names (an upload cut short before it was recorded) is invisible and swept later.
import type { Readable } from "node:stream";

export interface StoredObjectInfo {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface CheckpointStore {
  /** Where the objects are, for log lines ("directory /data/checkpoints", "s3://bucket/prefix"). */
  readonly description: string;
  /**
   * Writes `body` under `key`. The object appears whole once this resolves, and not at all when
   * `body` fails or ends early (the interrupted part is removed, or never becomes visible).
   */
  write(key: string, body: Readable): Promise<void>;
  /** The object's bytes as a stream, and its size; null when there is no such object. */
  read(key: string): Promise<{ size: number; body: Readable } | null>;
  /** Deletes the objects (a missing one is no error). */
  delete(keys: string[]): Promise<void>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  /** Removes what interrupted writes left behind before `olderThan` (the directory's unfinished files). */
  sweepIncomplete(olderThan: Date): Promise<number>;
}

/** The folder of an experiment's checkpoints: deleting the experiment deletes everything under it. */
export function experimentPrefix(experimentId: number): string {
  return `experiments/${experimentId}/`;
}

/** A new object's key: one per upload, so a retried or repeated upload never overwrites one a reader may be reading. */
export function checkpointKey(experimentId: number, jobId: number, uploadId: string): string {
  return `${experimentPrefix(experimentId)}jobs/${jobId}/${uploadId}.ckpt`;
}
