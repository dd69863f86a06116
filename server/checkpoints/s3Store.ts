// Checkpoints in an S3-compatible object store (AWS S3, MinIO, Ceph, R2...), through the AWS SDK
// for JavaScript. Credentials and region come from the usual environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles, instance roles); LINEAGE_S3_ENDPOINT points at a
// store other than AWS (path-style addressing). An object is visible only once its upload is
// complete (S3's own guarantee); a multipart upload cut short is aborted, or, if the server was
// killed, left incomplete and invisible (a bucket lifecycle rule AbortIncompleteMultipartUpload
// reclaims its space).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import type { CheckpointStore, StoredObjectInfo } from "./store";

/** Parts of a multipart upload: S3 wants at least 5 MiB (but the last); the server holds one part at a time. */
const PART_BYTES = 8 * 1024 * 1024;

export interface S3StoreOptions {
  bucket: string;
  /** Prepended to every key ("" or ending with "/"). */
  prefix: string;
  /** An S3-compatible store's URL; unset: AWS itself. */
  endpoint?: string;
  region?: string;
  /** Credentials other than the environment's (tests). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3Store implements CheckpointStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.description = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
    this.client = new S3Client({
      endpoint: options.endpoint,
      // Other stores rarely serve bucket subdomains; AWS serves both.
      forcePathStyle: options.endpoint !== undefined,
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      credentials: options.credentials,
      // The checkpoint's SHA-256 is ours (checked on every download); S3-compatible stores do not
      // all understand the SDK's extra CRC trailers.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async write(key: string, body: Readable): Promise<void> {
    const Key = this.prefix + key;
    const parts = partsOf(body);
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      // Small enough for one request.
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: first.done ? Buffer.alloc(0) : first.value }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    try {
      const etags: { ETag: string | undefined; PartNumber: number }[] = [];
      const upload = async (part: Buffer) => {
        const PartNumber = etags.length + 1;
        const { ETag } = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: part }));
        etags.push({ ETag, PartNumber });
      };
      await upload(first.value);
      await upload(second.value);
      for await (const part of parts) await upload(part);
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: etags } }));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async read(key: string): Promise<{ size: number; body: Readable } | null> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { size: Number(answer.ContentLength ?? 0), body: answer.Body as Readable };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((key) => ({ Key: this.prefix + key }));
      const answer = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
      const failed = (answer.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) throw new Error(`S3 refused to delete ${failed.length} objects: ${failed[0]!.Code} ${failed[0]!.Message ?? ""}`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(this.prefix.length), size: Number(object.Size ?? 0), modifiedAt: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async sweepIncomplete(): Promise<number> {
    // Incomplete multipart uploads are invisible; the bucket's lifecycle rule reclaims them.
    return 0;
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The stream cut into PART_BYTES buffers (the last one shorter): one part in memory at a time. */
async function* partsOf(body: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    let data = chunk as Buffer;
    while (size + data.length >= PART_BYTES) {
      const take = PART_BYTES - size;
      pending.push(data.subarray(0, take));
      yield Buffer.concat(pending);
      data = data.subarray(take);
      pending = [];
      size = 0;
    }
    if (data.length > 0) {
      pending.push(data);
      size += data.length;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}
