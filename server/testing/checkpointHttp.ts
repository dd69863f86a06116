// Raw HTTP for checkpoint tests: uploads with or without a declared length, cut short on purpose,
// and downloads read to their end. node:http rather than fetch, to control the request's framing.
import { createHash } from "node:crypto";
import http from "node:http";

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON, when it is. */
  json: any;
}

function collect(response: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (c: Buffer) => chunks.push(c));
    response.on("error", reject);
    response.on("end", () => {
      const body = Buffer.concat(chunks);
      let json: unknown = null;
      if (String(response.headers["content-type"] ?? "").startsWith("application/json")) json = JSON.parse(body.toString("utf8"));
      resolve({ status: response.statusCode!, headers: response.headers, body, json });
    });
  });
}

export interface UploadOptions {
  leaseToken?: string;
  sha256?: string;
  contentType?: string;
  /** false: no Content-Length (chunked); a number: that length declared, whatever is sent. */
  declare?: boolean | number;
  headers?: Record<string, string>;
  /** Send this many bytes, then cut the connection (a client killed mid-upload). */
  cutAfter?: number;
}

/** PUT /api/v1/jobs/{id}/checkpoint. Resolves with the answer (an answer may come before the body is all sent). */
export function uploadCheckpoint(baseUrl: string, jobId: number, bytes: Buffer, options: UploadOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/octet-stream", ...options.headers };
  if (options.leaseToken !== undefined) headers["x-lineage-lease-token"] = options.leaseToken;
  if (options.sha256 !== undefined) headers["x-lineage-checksum-sha256"] = options.sha256;
  if (options.declare !== false) headers["content-length"] = String(typeof options.declare === "number" ? options.declare : bytes.length);
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}/api/v1/jobs/${jobId}/checkpoint`, { method: "PUT", headers }, (response) =>
      collect(response).then(resolve, reject),
    );
    request.on("error", (error) => {
      if (options.cutAfter !== undefined) resolve({ status: 0, headers: {}, body: Buffer.alloc(0), json: null });
      // The server may answer and close before the body is all sent (a refusal): the answer counts.
      else if ((error as NodeJS.ErrnoException).code !== "EPIPE" && (error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
    });
    const send = options.cutAfter === undefined ? bytes : bytes.subarray(0, options.cutAfter);
    let at = 0;
    const pump = () => {
      while (at < send.length) {
        const chunk = send.subarray(at, at + 64 * 1024);
        at += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      if (options.cutAfter !== undefined) {
        // Let the bytes reach the server, then vanish without finishing the body.
        setImmediate(() => request.destroy(new Error("client killed")));
      } else {
        request.end();
      }
    };
    pump();
  });
}

export function get(baseUrl: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get(`${baseUrl}/api/v1${path}`, (response) => collect(response).then(resolve, reject)).on("error", reject);
  });
}

export async function postJson(baseUrl: string, path: string, body: unknown): Promise<Answer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${baseUrl}/api/v1${path}`,
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
      (response) => collect(response).then(resolve, reject),
    );
    request.on("error", reject);
    request.end(text);
  });
}
