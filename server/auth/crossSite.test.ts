// Without access control (loopback), what a hostile web page can make a browser send is refused:
// a DNS-rebinding Host, a cross-site body-less or form POST, a cross-site socket.
import { createConnection } from "node:net";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/databases";
import { parseEnv } from "../env";
import { dataChecksum } from "../testing/dataChecksum";
import { hostAllowed, sameOrigin } from "./crossSite";
import { raw, startTestServer, type TestServer } from "../testing/authServer";

const CONFIG = {
  name: "cross-site",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 2 },
  hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
};

describe("host and origin rules", () => {
  const auth = { allowedHosts: ["lineage.lan", ".corp.example"], host: "127.0.0.1" };
  it("lets IP addresses, localhost, HOST and listed names through, and nothing else", () => {
    for (const host of [
      "127.0.0.1:3000",
      "localhost:3000",
      "LOCALHOST",
      "[::1]:3000",
      "10.1.2.3",
      "[fe80::1]",
      "lineage.lan:3000",
      "corp.example",
      "gpu.corp.example:80",
    ]) {
      expect(hostAllowed(host, auth), host).toBe(true);
    }
    for (const host of [
      "evil.example",
      "evil.example:3000",
      "lineage.lan.evil.example",
      "evilcorp.example",
      "localhost.",
      "a@127.0.0.1",
      "127.0.0.1 x",
      "",
      "[::1",
    ]) {
      expect(hostAllowed(host, auth), host).toBe(false);
    }
    expect(hostAllowed("gpu-box", { allowedHosts: [], host: "gpu-box" })).toBe(true);
  });

  it("takes an Origin that is the request's own host, or a listed one", () => {
    const own = { host: "127.0.0.1:3000" };
    expect(sameOrigin({ ...own }, auth)).toBe(true);
    expect(sameOrigin({ ...own, origin: "http://127.0.0.1:3000" }, auth)).toBe(true);
    expect(sameOrigin({ host: "lineage.example.com", origin: "https://lineage.example.com" }, auth)).toBe(true);
    expect(sameOrigin({ host: "127.0.0.1:3000", "x-forwarded-host": "lineage.example.com", origin: "https://lineage.example.com" }, auth)).toBe(true);
    expect(sameOrigin({ ...own, origin: "https://app.corp.example" }, auth)).toBe(true);
    // An attacker's page on an IP address is another origin all the same.
    for (const origin of ["http://127.0.0.1:8888", "http://6.6.6.6", "http://evil.example", "null", "file://", "not a url"]) {
      expect(sameOrigin({ ...own, origin }, auth), origin).toBe(false);
    }
    expect(sameOrigin({ ...own, "sec-fetch-site": "cross-site" }, auth)).toBe(false);
  });

  it("reads LINEAGE_ALLOWED_HOSTS once, and refuses a list it cannot use", () => {
    expect(parseEnv({ LINEAGE_ALLOWED_HOSTS: " Lineage.lan, .corp.example ," }).LINEAGE_ALLOWED_HOSTS).toEqual(["lineage.lan", ".corp.example"]);
    expect(parseEnv({}).LINEAGE_ALLOWED_HOSTS).toEqual([]);
    for (const bad of ["http://lineage.lan", "lineage.lan:3000", "*", "a b"]) {
      expect(() => parseEnv({ LINEAGE_ALLOWED_HOSTS: bad }), bad).toThrow(/LINEAGE_ALLOWED_HOSTS: .* is not a host name/);
    }
  });
});

describeEachDatabase("without access control, on loopback", (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { LINEAGE_ALLOWED_HOSTS: "lineage.lan" });
    const created = await raw(t.url, {
      method: "POST",
      path: "/api/v1/experiments",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(CONFIG),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const nextJob = `/api/v1/experiments/${encodeURIComponent(CONFIG.name)}/next-job`;

  it("gives a page on a rebound name nothing: API, tRPC, pages", async () => {
    const before = await dataChecksum(t.server.database.prisma);
    const rebound = { host: `evil.example:${t.port}` };
    for (const [method, path, body] of [
      ["GET", "/api/v1/experiments", undefined],
      ["GET", "/api/v1/health", undefined],
      ["GET", `/api/trpc/experiments.list?input=${encodeURIComponent("{}")}`, undefined],
      ["POST", nextJob, JSON.stringify({ workerId: "w" })],
      ["GET", "/", undefined],
      ["GET", "/experiments/x", undefined],
    ] as const) {
      const answer = await raw(t.url, { method, path, headers: { ...rebound, ...(body ? { "content-type": "application/json" } : {}) }, body });
      expect({ path, status: answer.status, code: answer.body?.error?.code }).toEqual({ path, status: 403, code: "forbidden" });
      expect(answer.body?.error?.message).toMatch(/LINEAGE_ALLOWED_HOSTS/);
      expect(answer.text).not.toContain('cross-site"'); // no experiment data
    }
    expect(await dataChecksum(t.server.database.prisma)).toBe(before);
    for (const host of [`127.0.0.1:${t.port}`, `localhost:${t.port}`, `lineage.lan:${t.port}`]) {
      expect((await raw(t.url, { path: "/api/v1/experiments", headers: { host } })).status, host).toBe(200);
    }
  });

  it("refuses a body-less cross-site POST to next-job (415), and any write not declared JSON", async () => {
    const before = await dataChecksum(t.server.database.prisma);
    const bodyless = await raw(t.url, { method: "POST", path: nextJob, headers: { origin: "http://evil.example" } });
    expect(bodyless.status).toBe(415);
    expect(bodyless.body?.error).toMatchObject({
      code: "unsupported_media_type",
      message: expect.stringMatching(/content-type: application\/json.*got no content-type/),
    });
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "text/plain; application/json",
    ]) {
      const answer = await raw(t.url, { method: "POST", path: nextJob, headers: { "content-type": type }, body: JSON.stringify({ workerId: "w" }) });
      expect({ type, status: answer.status, code: answer.body?.error?.code }).toEqual({ type, status: 415, code: "unsupported_media_type" });
    }
    // Only the API is concerned (a page is not), wherever the path's dot segments lead.
    expect((await raw(t.url, { method: "POST", path: "/", headers: {} })).status).not.toBe(415);
    const around = await new Promise<number>((resolve, reject) => {
      // fetch and URL would resolve the dot segments before sending: write the request line by hand.
      const socket = createConnection(t.port, "127.0.0.1", () => {
        socket.end(
          `POST /x/../api/v1/experiments/${encodeURIComponent(CONFIG.name)}/next-job HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
      });
      let text = "";
      socket.on("data", (d) => (text += d));
      socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
      socket.on("error", reject);
    });
    expect(around).toBe(415);
    const trpc = await raw(t.url, {
      method: "POST",
      path: "/api/trpc/experiments.setStatus",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ name: CONFIG.name, status: "paused" }),
    });
    expect(trpc.status).toBe(415);
    // Nothing was handed out, nothing changed.
    expect(await dataChecksum(t.server.database.prisma)).toBe(before);
    const honest = await raw(t.url, {
      method: "POST",
      path: nextJob,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ workerId: "w" }),
    });
    expect(honest.status).toBe(200);
    expect(honest.body).toMatchObject({ status: "job" });
  });

  it("refuses a socket opened by another site's page, or on a rebound name", async () => {
    const tryConnect = (extraHeaders: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connect(t.url, { transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders });
        socket.on("connect", () => {
          socket.emit("join", { experiment: CONFIG.name, afterSeq: 0 }, (ack: { ok: boolean }) => {
            socket.disconnect();
            resolve(ack.ok ? "joined" : "refused");
          });
        });
        socket.on("connect_error", (e) => resolve(`error: ${e.message}`));
      });
    expect(await tryConnect({ origin: "http://evil.example" })).toMatch(/^error: a socket.io connection from a page of another site is refused/);
    expect(await tryConnect({ origin: "null" })).toMatch(/^error: a socket.io connection from a page of another site/);
    expect(await tryConnect({ host: `evil.example:${t.port}`, origin: `http://evil.example:${t.port}` })).toMatch(
      /^error: this server does not answer to the host name/,
    );
    expect(await tryConnect({ origin: `http://127.0.0.1:${t.port}` })).toBe("joined");
    expect(await tryConnect({ origin: "http://lineage.lan" })).toBe("joined");
    expect(await tryConnect({})).toBe("joined");
  });
});
