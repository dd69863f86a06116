// The worker HTTP API: JSON over plain HTTP under /api/v1, built from the operation table, so any
// language can drive Lineage. Errors: { error: { code, message, field?, accepted?, issues? } }.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ExportFile } from "../reads/export";
import type { CheckpointFile } from "../reads/checkpoints";
import { isOctetStream } from "../auth/crossSite";
import { fieldError, INTERNAL_ERROR_BODY, LineageError, parseInput } from "../domain/errors";
import { checkRawInput } from "./rawInput";
import { checkOutput, operations, type ApiContext, type Operation } from "./operations";
import { buildOpenApiDocument } from "./openapi";
import { authenticate, authorize, type AuthSettings } from "../auth/request";
import { handleSession } from "../auth/session";

export const API_PREFIX = "/api/v1";
/** The SHA-256 (hex) of a checkpoint's bytes: sent with a download, and optionally with an upload for the server to check. */
export const CHECKSUM_HEADER = "x-lineage-checksum-sha256";

interface Route {
  operation: Operation;
  file: boolean;
  rawBody: boolean;
  headers: Record<string, string>;
  paged: boolean;
  method: string;
  pattern: RegExp;
  params: Record<string, "string" | "integer">;
  status: number;
}

const routes: Route[] = operations.flatMap((operation) => {
  if (!operation.http) return [];
  const source = operation.http.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, "(?<$1>[^/]+)");
  return [
    {
      operation,
      file: operation.http.file ?? false,
      rawBody: operation.http.rawBody ?? false,
      headers: operation.http.headers ?? {},
      paged: operation.http.paged ?? false,
      method: operation.http.method,
      pattern: new RegExp(`^${source}$`),
      params: operation.http.params ?? {},
      status: operation.http.status ?? 200,
    },
  ];
});

export interface HttpApiOptions {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest raw body (a checkpoint upload) accepted, in bytes; also enforced as the bytes stream in. */
  maxRawBodyBytes: number;
  auth: AuthSettings;
}

/** Answers requests under /api/v1; returns false for any other path. */
export function createHttpApi(base: Pick<ApiContext, "scheduler" | "db">, options: HttpApiOptions) {
  let openApi: string | null = null;
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const path = url.pathname.slice(API_PREFIX.length) || "/";
    try {
      if (path === "/health" && req.method === "GET") return (send(res, 200, { ok: true }), true);
      if (path === "/session") return (await handleSession(req, res, { auth: options.auth, deps: base.scheduler.deps }), true);
      if (path === "/openapi.json" && req.method === "GET") {
        openApi ??= JSON.stringify(buildOpenApiDocument(), null, 2);
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(openApi);
        return true;
      }
      const matching = routes.filter((r) => r.pattern.test(path));
      if (matching.length === 0) throw new LineageError("not_found", `no API route ${path}; see ${API_PREFIX}/openapi.json`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader("allow", matching.map((r) => r.method).join(", "));
        throw new LineageError("method_not_allowed", `${req.method} is not allowed on ${path}; use ${matching.map((r) => r.method).join(" or ")}`);
      }
      // Credentials before the body: a stranger's upload is refused unread.
      const principal = await authenticate(req, options.auth);
      authorize(principal, route.operation.access, req);
      const ctx: ApiContext = { ...base, principal, request: { method: req.method, headers: req.headers } };
      const fromPath = readPathParams(path, route);
      const fromQuery = readQuery(url, route, fromPath);
      const body = route.rawBody ? acceptRawBody(req, options.maxRawBodyBytes) : await readBody(req, options.maxBodyBytes);
      for (const name of Object.keys(body)) {
        if (Object.hasOwn(fromPath, name)) {
          throw fieldError("invalid_input", name, "is given in the URL's path; leave it out of the body", "no such body field");
        }
      }
      const input = { ...fromQuery, ...readHeaders(req, route), ...body, ...fromPath };
      checkRawInput(input);
      const parsed = parseInput(route.operation.input, input);
      const output = await route.operation.handler(route.rawBody ? { ...ctx, upload: req } : ctx, parsed);
      checkOutput(route.operation, output);
      if (route.file) await sendFile(res, output as ExportFile | CheckpointFile);
      else if (route.paged) sendPage(res, url, output as { items: unknown[]; nextCursor: string | null });
      else send(res, route.status, output);
    } catch (error) {
      if (!req.complete) leaveUnreadBody(req, res, error);
      if (error instanceof LineageError) {
        send(res, error.status, error.toBody());
      } else if (req.destroyed && !req.complete) {
        // The client went away mid-request (an upload cut short): nobody to answer, nothing of ours went wrong.
      } else {
        console.error(`${req.method} ${url.pathname}:`, error);
        send(res, 500, INTERNAL_ERROR_BODY);
      }
    }
    return true;
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** A page of a list: its items, and the next page's URL (this one's with `cursor` set) in a Link header (RFC 8288). */
function sendPage(res: ServerResponse, url: URL, page: { items: unknown[]; nextCursor: string | null }) {
  if (page.nextCursor !== null) {
    const next = new URL(url);
    next.searchParams.set("cursor", page.nextCursor);
    res.setHeader("link", `<${next.pathname}${next.search}>; rel="next"`);
  }
  send(res, 200, page.items);
}

/** Streams a file as it is produced (or read from the store), at the pace the client reads it. */
async function sendFile(res: ServerResponse, file: ExportFile | CheckpointFile) {
  res.writeHead(200, {
    "content-type": file.contentType,
    "content-disposition": `attachment; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    "cache-control": "no-store",
    ...("sha256" in file
      ? {
          "content-length": String(file.size),
          // The client checks what it received against it (the SDKs do).
          [CHECKSUM_HEADER]: file.sha256,
          "x-lineage-job-id": String(file.jobId),
        }
      : {}),
  });
  try {
    await pipeline("sha256" in file ? file.body : Readable.from(file.body), res);
  } catch (error) {
    // A client that went away mid-file is no error of ours; anything else is logged by the caller.
    if ((error as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
  }
}

function convert(name: string, raw: string, type: "string" | "integer"): unknown {
  // Left as text when it is not an integer, so that validation names the field and the type.
  return type === "integer" && /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
}

function readPathParams(path: string, route: Route): Record<string, unknown> {
  const groups = route.pattern.exec(path)?.groups ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(groups)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new LineageError("invalid_input", `${name}: not a valid URL-encoded value`, [
        { field: name, message: "not a valid URL-encoded value", accepted: "percent-encoded UTF-8" },
      ]);
    }
    out[name] = convert(name, decoded, route.params[name] ?? "string");
  }
  return out;
}

/**
 * The route's query parameters (those of its `params` that are not in its path). Nothing else is
 * read from the query string: a body field there (a lease token, say) would end up in access logs.
 */
function readQuery(url: URL, route: Route, fromPath: Record<string, unknown>): Record<string, unknown> {
  const accepted = Object.keys(route.params).filter((name) => !Object.hasOwn(fromPath, name));
  const out: Record<string, unknown> = {};
  for (const [name, raw] of url.searchParams) {
    if (!accepted.includes(name)) {
      throw fieldError(
        "invalid_input",
        name,
        "is not a query parameter of this route; send fields in the JSON body",
        accepted.length ? accepted.join(", ") : "no query parameters",
      );
    }
    if (Object.hasOwn(out, name)) throw fieldError("invalid_input", name, "is given twice in the query string", "one value");
    out[name] = convert(name, raw, route.params[name] ?? "string");
  }
  return out;
}

/**
 * A raw-body route's checks before its handler streams the body (ctx.upload): the content-type,
 * and a declared length within the limit (the handler enforces it again as the bytes come, for a
 * body of undeclared length). Nothing is read here.
 */
function acceptRawBody(req: IncomingMessage, maxBytes: number): Record<string, never> {
  const type = req.headers["content-type"];
  if (!isOctetStream(type)) {
    throw new LineageError(
      "unsupported_media_type",
      `send the file's bytes as the body with content-type application/octet-stream (got ${type === undefined ? "none" : JSON.stringify(type.slice(0, 100))})`,
    );
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    throw new LineageError(
      "body_too_large",
      `the file is ${declared} bytes; at most ${maxBytes} are accepted (LINEAGE_MAX_CHECKPOINT_BYTES); nothing was stored`,
    );
  }
  return {};
}

/** A raw-body route's header fields (e.g. the lease token, which must stay out of URLs and logs). */
function readHeaders(req: IncomingMessage, route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, header] of Object.entries(route.headers)) {
    const value = req.headers[header];
    if (Array.isArray(value)) throw fieldError("invalid_input", field, `the ${header} header is given twice`, "one value");
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/**
 * An answer given before the request's body was read (a refusal, or a failure mid-upload). A body
 * over the size limit is not read on: the connection closes after the answer. Any other is read
 * and thrown away, so the client, still sending, gets to read the answer on a live connection.
 */
function leaveUnreadBody(req: IncomingMessage, res: ServerResponse, error: unknown) {
  if (error instanceof LineageError && error.code === "body_too_large") {
    res.setHeader("connection", "close");
    res.once("finish", () => req.socket.destroySoon());
  }
  req.resume();
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw new LineageError("body_too_large", `the request body is ${declared} bytes; at most ${maxBytes} are accepted`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new LineageError("body_too_large", `the request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const type = String(req.headers["content-type"] ?? "");
  // A write's body is JSON, even when empty (only an upload route takes raw bytes).
  if (size === 0 && !isOctetStream(type)) return {};
  if (!/^application\/json\b/i.test(type)) {
    throw new LineageError("unsupported_media_type", `send the body as JSON with content-type application/json (got ${JSON.stringify(type)})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new LineageError("invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new LineageError("invalid_input", "the body must be a JSON object", [{ field: "(body)", message: "must be a JSON object", accepted: "object" }]);
  }
  return body as Record<string, unknown>;
}
