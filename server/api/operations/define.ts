// What an API operation is: its access, input and output schemas, HTTP route and handler. Each
// operation is one file of this folder; index.ts lists them, and the tRPC router (../root.ts), the
// HTTP API (../http.ts), the OpenAPI document (../openapi.ts) and the access tests are built from
// that list.
import type { Readable } from "node:stream";
import type { z } from "zod";
import type { Access, Principal } from "../../auth/roles";
import type { LineageError } from "../../domain/errors";
import type { ReadDeps } from "../../reads";
import type { Scheduler } from "../../scheduler";

export interface ApiContext {
  /** The locked write path. */
  scheduler: Scheduler;
  /** What reads run on (server/reads). */
  db: ReadDeps;
  principal: Principal;
  /** The HTTP request's method and headers (for the CSRF check on browser sessions). */
  request?: { method?: string; headers: Record<string, string | string[] | undefined> };
  /** Set when the request's credentials were refused: every procedure answers with it. */
  authError?: LineageError;
  /** The request's body, unread, for a route that takes raw bytes (`http.rawBody`). */
  upload?: Readable;
}

/** Types of path and query parameters, which arrive as text over HTTP. */
type ParamType = "string" | "integer";

export interface Operation<I extends z.ZodType = z.ZodType, O = unknown, K extends "query" | "mutation" = "query" | "mutation"> {
  /** The OpenAPI operationId. */
  name: string;
  summary: string;
  /** What the caller's token must grant (server/auth/roles.ts). */
  access: Access;
  kind: K;
  http?: {
    method: "GET" | "POST" | "DELETE" | "PUT";
    path: string;
    params?: Record<string, ParamType>;
    status?: number;
    /** The handler returns a file ({ contentType, filename, body, size?, sha256? }) sent as is rather than as JSON. */
    file?: boolean;
    /** A file's type when it is not JSON or CSV (the OpenAPI document's). */
    fileContentType?: "application/octet-stream";
    /**
     * The body is a file's raw bytes (content-type application/octet-stream), handed to the handler
     * unread as `ctx.upload`; the input comes from the path, the query and `headers`.
     */
    rawBody?: boolean;
    /** Input fields sent as request headers (field → header name, lowercase), for a raw-body route. */
    headers?: Record<string, string>;
    /** The handler returns a page ({ items, nextCursor }): the answer is the items, with a `Link: <…>; rel="next"` header. */
    paged?: boolean;
  };
  /** false: HTTP only (a streamed file, which a tRPC answer cannot be). */
  trpc?: false;
  tags: string[];
  input: I;
  /** The answer's schema: the OpenAPI document's, and checked against every answer in tests (checkOutput). */
  output: z.ZodType;
  handler: (ctx: ApiContext, input: z.output<I>) => Promise<O>;
}

/** Declares an operation, keeping its input, answer and kind types for the tRPC router. */
export function op<I extends z.ZodType, O, K extends "query" | "mutation">(operation: Operation<I, O, K>): Operation<I, O, K> {
  return operation;
}

/**
 * Answers are checked against the operation's output schema when LINEAGE_CHECK_OUTPUTS is set
 * (every test sets it): the OpenAPI document cannot drift from what handlers return. Off in
 * production, where an answer the schema did not foresee (data stored by an earlier version) is
 * better sent than refused.
 */
const CHECK_OUTPUTS = process.env.LINEAGE_CHECK_OUTPUTS === "1";

export function checkOutput(operation: Operation, value: unknown): void {
  if (!CHECK_OUTPUTS || operation.http?.file) return;
  const result = operation.output.safeParse(value);
  if (!result.success) {
    throw new Error(`the answer of ${operation.name} does not match its output schema: ${result.error.message}`);
  }
}
