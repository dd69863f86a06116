// Errors a person (or a worker's code) can act on: a stable code, an HTTP status, and for bad
// input the offending field and what is accepted. Shared by tRPC and the worker HTTP API.
import type { z } from "zod";

export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_json: 400,
  invalid_metric: 400,
  /** A tRPC batch of more calls than the server takes in one request. */
  batch_too_large: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  experiment_not_found: 404,
  job_not_found: 404,
  /** The job has no stored checkpoint (none uploaded, or deleted by garbage collection). */
  checkpoint_not_found: 404,
  method_not_allowed: 405,
  experiment_exists: 409,
  lease_invalid: 409,
  invalid_state: 409,
  population_full: 409,
  member_busy: 409,
  /** The upload's bytes do not match the SHA-256 the client sent with them: nothing was stored. */
  checksum_mismatch: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  /** Too much asked of the server at once (socket joins). */
  rate_limited: 429,
  internal: 500,
  /**
   * A stored checkpoint no longer matches the checksum recorded at its upload (the file in the
   * store was damaged or changed): it is refused, not served. Retrying does not help.
   */
  checkpoint_corrupt: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The answer to an unexpected failure: its details (maybe Prisma's or PostgreSQL's text) stay in the server's log. */
export const INTERNAL_ERROR_BODY = {
  error: { code: "internal", message: "internal error; the server log has details" },
} as const satisfies { error: { code: ErrorCode; message: string } };

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `hyperparameters.lr.init.low`. */
  field: string;
  message: string;
  /** What the field accepts, when it can be said briefly. */
  accepted?: string;
}

export class LineageError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[];

  constructor(code: ErrorCode, message: string, issues: FieldIssue[] = []) {
    super(message);
    this.name = "LineageError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.issues = issues;
  }

  /** The JSON body of an error answer. */
  toBody() {
    const first = this.issues[0];
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(first ? { field: first.field } : {}),
        ...(first?.accepted ? { accepted: first.accepted } : {}),
        ...(this.issues.length ? { issues: this.issues } : {}),
      },
    };
  }
}

export function fieldError(code: ErrorCode, field: string, message: string, accepted?: string) {
  return new LineageError(code, `${field}: ${message}`, [{ field, message, ...(accepted ? { accepted } : {}) }]);
}

function describeAccepted(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_value":
      return issue.values.map((v) => JSON.stringify(v)).join(" | ");
    case "too_small":
      return `${issue.origin === "array" || issue.origin === "string" ? "length " : ""}${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}`;
    case "too_big":
      return `${issue.origin === "array" || issue.origin === "string" ? "length " : ""}${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}`;
    case "unrecognized_keys":
      return "no other fields";
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator) return `a known ${String(issue.discriminator)}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Turns a zod failure into one `invalid_input` error listing every offending field. */
export function fromZodError(error: z.ZodError, prefix: string[] = []): LineageError {
  const issues: FieldIssue[] = error.issues.map((issue) => {
    let path = [...prefix, ...issue.path.map(String)];
    let message = issue.message;
    if (issue.code === "invalid_type" && / received undefined$/.test(message)) message = "required";
    if (issue.code === "unrecognized_keys") {
      path = [...path, issue.keys[0] ?? ""];
      message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
    }
    const accepted = describeAccepted(issue);
    return { field: path.join(".") || "(body)", message, ...(accepted ? { accepted } : {}) };
  });
  const first = issues[0];
  const summary = first ? `${first.field}: ${first.message}` : "invalid input";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new LineageError("invalid_input", summary + more, issues);
}

/** Validates with a zod schema, throwing `invalid_input` naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix: string[] = []): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, prefix);
  return parsed.data;
}
