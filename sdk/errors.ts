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
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = "ConnectionError";
  }
}
