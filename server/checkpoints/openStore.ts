// The checkpoint store the environment names (server/env.ts: LINEAGE_CHECKPOINT_STORE).
import path from "node:path";
import { DirectoryStore } from "./directoryStore";
import { S3Store } from "./s3Store";
import type { CheckpointStore } from "./store";

export function openCheckpointStore(setting: { store?: string; dataDir: string; s3Endpoint?: string }): CheckpointStore {
  const where = setting.store ?? path.join(setting.dataDir, "checkpoints");
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
  if (!s3) return new DirectoryStore(path.resolve(where));
  const prefix = s3[2] ? s3[2].replace(/\/*$/, "/") : "";
  return new S3Store({ bucket: s3[1]!, prefix, endpoint: setting.s3Endpoint });
}
