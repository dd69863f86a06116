// What the SDK throws. `ApiError` carries the server's stable code and the offending field.
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly field?: string,
    readonly accepted?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The job's lease is over (expired, or the job was handed to another worker): stop working on it. */
export class LeaseExpiredError extends ApiError {
  constructor(message: string, status = 409) {
    super(message, "lease_invalid", status, "leaseToken");
    this.name = "LeaseExpiredError";
  }
}

/** The server could not be reached (after retries), or answered 5xx. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ConnectionError";
  }
}

/**
 * A job was completed without its own score: the experiment's metric is missing from its
 * results, or only inherited (from its parent, or after an exploit from its donor). Thrown before
 * anything is sent; `sourceJobId` is the job the inherited value came from (null if none).
 */
export class MetricNotSetError extends Error {
  constructor(
    message: string,
    readonly metric: string,
    readonly jobId: number,
    readonly sourceJobId: number | null,
  ) {
    super(message);
    this.name = "MetricNotSetError";
  }
}
