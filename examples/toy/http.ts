// A minimal client of the worker HTTP API (fetch only), to show what a worker in any language does.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code?: string; message?: string } },
  ) {
    super(`${status} ${body.error?.code ?? ""}: ${body.error?.message ?? JSON.stringify(body)}`);
  }
}

export async function call<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // The server may be restarting: retry connection errors for a while, never 4xx answers.
      if (attempt < 20) {
        await new Promise((r) => setTimeout(r, 250 * Math.min(attempt + 1, 8)));
        continue;
      }
      throw error;
    }
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : {};
    if (response.status >= 500 && attempt < 5) continue;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed as T;
  }
}

export const experimentPath = (name: string) => `/experiments/${encodeURIComponent(name)}`;
