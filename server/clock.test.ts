// The test clock: off unless asked for (its route is then unknown), never with NODE_ENV=production,
// and when on it moves the clock leases are judged by.
import { afterEach, describe, expect, it } from "vitest";
import { createTestClock, TEST_CLOCK_PATH } from "./clock";
import { parseEnv } from "./env";
import { ADMIN_TOKEN, raw, startTestServer, type TestServer } from "./testing/authServer";

const json = { "content-type": "application/json" };

it("moves forward from the system's time, never back", () => {
  const clock = createTestClock();
  const before = Date.now();
  const moved = clock.advance(3600).getTime();
  expect(moved).toBeGreaterThanOrEqual(before + 3600_000);
  expect(clock.now().getTime()).toBeGreaterThanOrEqual(moved);
});

it("is off by default, and refused with NODE_ENV=production", () => {
  expect(parseEnv({}).LINEAGE_TEST_CLOCK).toBe("off");
  expect(parseEnv({ LINEAGE_TEST_CLOCK: "on" }).LINEAGE_TEST_CLOCK).toBe("on");
  expect(() => parseEnv({ LINEAGE_TEST_CLOCK: "on", NODE_ENV: "production" })).toThrow(
    "LINEAGE_TEST_CLOCK: is for tests only and cannot be on with NODE_ENV=production",
  );
});

describe("the test clock's route", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("is an unknown route (404) when the test clock is off", async () => {
    server = await startTestServer("pglite");
    const answer = await raw(server.url, { method: "POST", path: TEST_CLOCK_PATH, headers: json, body: '{"advanceSeconds":60}' });
    expect(answer.status).toBe(404);
    expect(answer.body?.error?.code).toBe("not_found");
  });

  it("moves the clock leases are judged by: a job handed out expires without waiting", async () => {
    server = await startTestServer("pglite", { LINEAGE_TEST_CLOCK: "on" });
    const post = (path: string, body: unknown) => raw(server!.url, { method: "POST", path, headers: json, body: JSON.stringify(body) });
    const config = { name: "clock", metric: "score", populationSize: 1, stop: { maxGenerations: 1 }, leaseSeconds: 30, hyperparameters: {} };
    expect((await post("/api/v1/experiments", config)).status).toBe(201);
    const handed = (await post("/api/v1/experiments/clock/next-job", { workerId: "w" })).body as {
      job: { id: number };
      leaseToken: string;
      leaseExpiresAt: string;
    };

    expect((await post(TEST_CLOCK_PATH, { advanceSeconds: -1 })).body?.error?.code).toBe("invalid_input");
    const moved = await post(TEST_CLOCK_PATH, { advanceSeconds: 31 });
    expect(moved.status).toBe(200);
    expect(Date.parse((moved.body as { now: string }).now)).toBeGreaterThan(Date.parse(handed.leaseExpiresAt));
    const late = await post(`/api/v1/jobs/${handed.job.id}/complete`, { leaseToken: handed.leaseToken, results: { score: 1 } });
    expect(late.status).toBe(409);
    expect(late.body?.error?.code).toBe("lease_invalid");
  });

  it("takes an admin token when access control is on", async () => {
    server = await startTestServer("pglite", { LINEAGE_TEST_CLOCK: "on", LINEAGE_AUTH: "on", LINEAGE_ADMIN_TOKEN: ADMIN_TOKEN });
    const body = '{"advanceSeconds":1}';
    expect((await raw(server.url, { method: "POST", path: TEST_CLOCK_PATH, headers: json, body })).status).toBe(401);
    const admin = { ...json, authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await raw(server.url, { method: "POST", path: TEST_CLOCK_PATH, headers: admin, body })).status).toBe(200);
  });
});
