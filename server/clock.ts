// The server's clock: the system's, or, for tests only, one they can move forward, so that a lease
// runs out without the test waiting for it. LINEAGE_TEST_CLOCK=on (refused with NODE_ENV=production,
// server/env.ts) turns on POST /api/v1/testing/clock; otherwise that path is an unknown route (404).
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { LineageError, parseInput } from "./domain/errors";
import { authenticate, authorize, type AuthSettings } from "./auth/request";

export const TEST_CLOCK_PATH = "/api/v1/testing/clock";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The system's time plus an offset that only grows: time never runs backwards for the server. */
export interface TestClock extends Clock {
  advance(seconds: number): Date;
}

export function createTestClock(): TestClock {
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  return {
    now,
    advance(seconds) {
      offsetMs += seconds * 1000;
      return now();
    },
  };
}

const advanceInput = z.strictObject({
  /** How far to move the clock forward. */
  advanceSeconds: z
    .number()
    .positive()
    .max(365 * 24 * 3600),
});

/**
 * Answers the test clock's route: GET tells the server's time, POST `{ "advanceSeconds": n }` moves
 * it forward and tells the new time. With access control on, it takes an admin token. Returns
 * false for any other path.
 */
export async function serveTestClock(req: IncomingMessage, res: ServerResponse, clock: TestClock, auth: AuthSettings): Promise<boolean> {
  if (new URL(req.url ?? "/", "http://localhost").pathname !== TEST_CLOCK_PATH) return false;
  authorize(await authenticate(req, auth), "manage", req);
  if (req.method === "POST") {
    const { advanceSeconds } = parseInput(advanceInput, await readJson(req));
    clock.advance(advanceSeconds);
  } else if (req.method !== "GET") {
    res.setHeader("allow", "GET, POST");
    throw new LineageError("method_not_allowed", `${req.method} is not allowed on ${TEST_CLOCK_PATH}; use GET or POST`);
  }
  res
    .writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
    .end(JSON.stringify({ now: clock.now().toISOString() }));
  return true;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1024) throw new LineageError("body_too_large", "the test clock takes a body of at most 1 KiB");
  }
  try {
    return JSON.parse(text || "{}");
  } catch {
    throw new LineageError("invalid_json", "the body is not valid JSON");
  }
}
