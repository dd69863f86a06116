// Start-up over an existing database: a LINEAGE_ADMIN_TOKEN that cannot take effect (changed,
// revoked, not an admin's, or access control off) is said in the log, with what to do.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { describeEachDatabase } from "../testing/databases";
import { ADMIN_TOKEN, raw, startTestServer, type TestServer } from "../testing/authServer";

const OTHER_TOKEN = "lin_access_test_other_0123456789abcdefgh";

describeEachDatabase("LINEAGE_ADMIN_TOKEN at start-up", (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { LINEAGE_AUTH: "on", LINEAGE_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** What the server printed while it restarted with `env`. */
  async function restartLog(env: Record<string, string | undefined>): Promise<string> {
    let printed = "";
    const capture = (...args: unknown[]) => void (printed += `${args.join(" ")}\n`);
    const spies = [vi.spyOn(console, "warn").mockImplementation(capture), vi.spyOn(console, "log").mockImplementation(capture)];
    try {
      await t.restart(env);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return printed;
  }

  it("says nothing when it is the admin token already there", async () => {
    expect(await restartLog({})).toBe("");
  });

  it("says that a changed token is ignored, and what to do", async () => {
    const log = await restartLog({ LINEAGE_ADMIN_TOKEN: OTHER_TOKEN });
    expect(log).toMatch(/WARNING: LINEAGE_ADMIN_TOKEN is not a token of this database, so it is ignored and requests sending it get 401/);
    expect(log).toMatch(/was LINEAGE_ADMIN_TOKEN changed/);
    expect(log).toMatch(/lineage token create --role admin/);
    expect(log).not.toContain(OTHER_TOKEN);
    // As the log says.
    expect((await raw(t.url, { path: "/api/v1/tokens", headers: { authorization: `Bearer ${OTHER_TOKEN}` } })).status).toBe(401);
    expect((await raw(t.url, { path: "/api/v1/tokens", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });

  it("says when it was revoked, or is not an admin's", async () => {
    const answer = await raw(t.url, {
      method: "POST",
      path: "/api/v1/tokens",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: "ci", role: "worker" }),
    });
    const worker = answer.body as unknown as { id: number; token: string };
    expect(await restartLog({ LINEAGE_ADMIN_TOKEN: worker.token })).toMatch(/LINEAGE_ADMIN_TOKEN is token #\d+ \("ci"\), a worker token, not an admin token/);
    await raw(t.url, { method: "DELETE", path: `/api/v1/tokens/${worker.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await restartLog({})).toMatch(/LINEAGE_ADMIN_TOKEN is token #\d+ \("ci"\), revoked on \d{4}-/);
  });

  it("says when access control is off, so the token is not used", async () => {
    expect(await restartLog({ LINEAGE_AUTH: undefined })).toMatch(
      /LINEAGE_ADMIN_TOKEN is set but not used: access control is off \(HOST=127\.0\.0\.1, LINEAGE_AUTH=auto\)/,
    );
  });
});
