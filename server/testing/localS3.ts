// Test helpers: an S3-compatible server (the npm package s3rver, which speaks the S3 protocol
// from a local folder) started by the test itself, as no cloud is reachable here.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { S3Store } from "../checkpoints/s3Store";

export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** The folder s3rver keeps its objects in. */
  directory: string;
  /** A store on the bucket, under `prefix`. */
  store(prefix?: string): S3Store;
  /** The environment a server process needs to use the bucket. */
  env(prefix?: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = "checkpoints"): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), "lineage-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  const stores: S3Store[] = [];
  return {
    endpoint,
    bucket,
    directory,
    store(prefix = "") {
      const store = new S3Store({ bucket, prefix, endpoint, credentials: S3RVER_CREDENTIALS });
      stores.push(store);
      return store;
    },
    env(prefix = "") {
      return {
        LINEAGE_CHECKPOINT_STORE: `s3://${bucket}/${prefix}`,
        LINEAGE_S3_ENDPOINT: endpoint,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
      };
    },
    async close() {
      for (const store of stores) store.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
