// Browser sessions: the cookie holds a random id, not the token; signing out and revoking the
// token end the session; another site cannot sign a visitor in (login CSRF).
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/databases";
import { hashToken } from "./tokens";
import { ADMIN_TOKEN, cookieFrom, raw, startTestServer, type TestServer } from "../testing/authServer";

describeEachDatabase("browser sessions", (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { LINEAGE_AUTH: "on", LINEAGE_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await t?.close();
  });

  const json = { "content-type": "application/json" };
  const signIn = (token: string, headers: Record<string, string> = {}) =>
    raw(t.url, { method: "POST", path: "/api/v1/session", headers: { ...json, ...headers }, body: JSON.stringify({ token }) });
  const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  async function newToken(role: string) {
    const answer = await raw(t.url, {
      method: "POST",
      path: "/api/v1/tokens",
      headers: { ...json, ...asAdmin },
      body: JSON.stringify({ name: `${role} ${Math.random()}`, role }),
    });
    expect(answer.status).toBe(201);
    return answer.body as unknown as { id: number; token: string };
  }
  const experiments = (cookie: string) => raw(t.url, { path: "/api/v1/experiments", headers: { cookie } });
  const session = (cookie: string) => raw(t.url, { path: "/api/v1/session", headers: { cookie } });

  it("keeps a random session id in the cookie, stored only as its hash", async () => {
    const answer = await signIn(ADMIN_TOKEN);
    expect(answer.status).toBe(200);
    const cookie = cookieFrom(answer, "lineage_session")!;
    const id = cookie.split("=")[1]!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(([] as string[]).concat(answer.headers["set-cookie"] ?? []).join("\n")).not.toContain(ADMIN_TOKEN);
    const rows = await t.server.database.prisma.session.findMany();
    expect(rows.map((r) => r.hash)).toContain(hashToken(id));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect((await experiments(cookie)).status).toBe(200);
    expect((await session(cookie)).body).toMatchObject({ authRequired: true, signedIn: true, role: "admin" });
  });

  it("ends the session at sign-out: the same cookie no longer works", async () => {
    const cookie = cookieFrom(await signIn(ADMIN_TOKEN), "lineage_session")!;
    expect((await experiments(cookie)).status).toBe(200);
    const out = await raw(t.url, { method: "DELETE", path: "/api/v1/session", headers: { cookie } });
    expect(out.status).toBe(200);
    expect(([] as string[]).concat(out.headers["set-cookie"] ?? []).join("\n")).toMatch(/^lineage_session=; .*Max-Age=0/);
    // A copy of the cookie kept by anyone (or a browser that ignores the clearing) is dead.
    const after = await experiments(cookie);
    expect(after.status).toBe(401);
    expect(after.body?.error).toMatchObject({ code: "unauthorized", message: expect.stringMatching(/session has ended/) });
    expect((await session(cookie)).body).toMatchObject({ signedIn: false, role: null });
    const id = cookie.split("=")[1]!;
    expect(await t.server.database.prisma.session.count({ where: { hash: hashToken(id) } })).toBe(0);
  });

  it("ends the sessions of a token when it is revoked", async () => {
    const other = await newToken("admin");
    const cookie = cookieFrom(await signIn(other.token), "lineage_session")!;
    expect((await experiments(cookie)).status).toBe(200);
    expect((await raw(t.url, { method: "DELETE", path: `/api/v1/tokens/${other.id}`, headers: asAdmin })).status).toBe(200);
    expect((await experiments(cookie)).status).toBe(401);
    expect(await t.server.database.prisma.session.count({ where: { tokenId: other.id } })).toBe(0);
  });

  it("refuses an expired session", async () => {
    const cookie = cookieFrom(await signIn(ADMIN_TOKEN), "lineage_session")!;
    await t.server.database.prisma.session.update({ where: { hash: hashToken(cookie.split("=")[1]!) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await experiments(cookie)).status).toBe(401);
  });

  it("refuses a sign-in posted by another site (login CSRF), and sets no cookie", async () => {
    const form = await raw(t.url, {
      method: "POST",
      path: "/api/v1/session",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" },
      body: `token=${ADMIN_TOKEN}`,
    });
    expect(form.status).toBe(415);
    expect(form.body?.error?.code).toBe("unsupported_media_type");
    const crossOrigin = await signIn(ADMIN_TOKEN, { origin: "http://evil.example" });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body?.error).toMatchObject({ code: "forbidden", message: expect.stringMatching(/another site/) });
    const fetchMetadata = await signIn(ADMIN_TOKEN, { "sec-fetch-site": "cross-site" });
    expect(fetchMetadata.status).toBe(403);
    const sandboxed = await signIn(ADMIN_TOKEN, { origin: "null" });
    expect(sandboxed.status).toBe(403);
    for (const refused of [form, crossOrigin, fetchMetadata, sandboxed]) expect(refused.headers["set-cookie"]).toBeUndefined();
    // The dashboard's own page signs in fine.
    const own = await signIn(ADMIN_TOKEN, { origin: t.url, "sec-fetch-site": "same-origin" });
    expect(own.status).toBe(200);
  });

  it("no longer takes the old cookie that held the token itself, and clears it at sign-in", async () => {
    const legacy = `lineage_token=${ADMIN_TOKEN}`;
    expect((await experiments(legacy)).status).toBe(401);
    const answer = await signIn(ADMIN_TOKEN, { cookie: legacy });
    expect(([] as string[]).concat(answer.headers["set-cookie"] ?? []).join("\n")).toMatch(/^lineage_token=; .*Max-Age=0/m);
  });
});
