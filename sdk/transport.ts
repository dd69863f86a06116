// The SDK talks tRPC to the server. Connection errors and 5xx answers are retried with
// exponential backoff (a server restarting, a load balancer hiccup); 4xx answers never are.
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../server/api/root";
import { ApiError, ConnectionError, LeaseExpiredError } from "./errors";

export type Api = ReturnType<typeof createTRPCClient<AppRouter>>;

export interface TransportOptions {
  url: string;
  token?: string;
  /** How many times a failed call is retried before giving up (default 8, about a minute). */
  retries?: number;
  /** First backoff delay in ms (default 250), doubling up to 8 s. */
  backoffMs?: number;
}

/** The tRPC client and a `call` that runs an API call with this client's retry policy. */
export interface Transport {
  api: Api;
  /** The server's URL and the token, for calls outside tRPC (checkpoints, files). */
  url: string;
  token?: string;
  call<T>(fn: (api: Api) => Promise<T>): Promise<T>;
  /** A GET of the HTTP API (`path` under /api/v1) whose answer is a file, for streaming it (exports). */
  download(path: string): Promise<Response>;
}

export function createTransport(options: TransportOptions): Transport {
  const api = createApi(options);
  const base = options.url.replace(/\/+$/, "");
  return {
    api,
    url: base,
    token: options.token,
    call: (fn) => withRetries(() => fn(api), options),
    download: (path) => withRetries(() => fetchFile(`${base}/api/v1${path}`, options.token), options),
  };
}

async function fetchFile(url: string, token: string | undefined): Promise<Response> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.ok) return response;
  const error = ((await response.json().catch(() => null)) as { error?: Lineage } | null)?.error;
  const message = error?.message ?? `HTTP ${response.status}`;
  if (response.status < 500) throw new ApiError(message, error?.code ?? "error", response.status, error?.field, error?.accepted);
  throw new Error(message); // retried
}

export function createApi(options: TransportOptions): Api {
  const base = options.url.replace(/\/+$/, "");
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        headers: () => (options.token ? { authorization: `Bearer ${options.token}` } : {}),
      }),
    ],
  });
}

type Lineage = { code: string; message: string; field?: string; accepted?: string } | null | undefined;

/** Runs one API call with retries, turning failures into ApiError / LeaseExpiredError / ConnectionError. */
export async function withRetries<T>(call: () => Promise<T>, options: Pick<TransportOptions, "retries" | "backoffMs"> = {}): Promise<T> {
  const retries = options.retries ?? 8;
  let delay = options.backoffMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const status = error instanceof TRPCClientError ? (error.data?.httpStatus as number | undefined) : undefined;
      const lineage = error instanceof TRPCClientError ? (error.data?.lineage as Lineage) : undefined;
      if (status !== undefined && status < 500) {
        if (lineage?.code === "lease_invalid") throw new LeaseExpiredError(lineage.message, status);
        throw new ApiError(lineage?.message ?? (error as Error).message, lineage?.code ?? "error", status, lineage?.field, lineage?.accepted);
      }
      if (attempt >= retries) {
        const what = status === undefined ? "unreachable" : `answered HTTP ${status}`;
        throw new ConnectionError(`Lineage server ${what} after ${attempt + 1} tries: ${(error as Error).message}`, error);
      }
      await new Promise((r) => setTimeout(r, delay * (0.75 + Math.random() * 0.5)));
      delay = Math.min(delay * 2, 8000);
    }
  }
}
