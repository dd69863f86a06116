// Socket joins against a real server process on a long event log: what one join is sent is
// bounded, the server stays responsive meanwhile, live events follow the backlog in order, a
// connection's joins are limited, and malformed join payloads get a clear error.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase } from "../db/client";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { startPinger } from "../testing/pinger";
import { startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { MAX_BACKLOG, MAX_JOINED, MAX_PENDING_JOINS, type JoinAck } from "./eventStream";
import { seedEventLog } from "../testing/seedEventLog";
import { waitFor } from "../testing/waitFor";

const LOG = "long log";
const EVENTS = 40_000;

interface Received {
  seqs: number[];
  bytes: number;
}

function listen(socket: Socket): Received {
  const received: Received = { seqs: [], bytes: 0 };
  socket.on("event", (e: { seq: number }) => {
    received.seqs.push(e.seq);
    received.bytes += JSON.stringify(e).length;
  });
  return received;
}

function join(socket: Socket, payload: unknown): Promise<JoinAck> {
  return new Promise((resolve) => socket.emit("join", payload, resolve));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeEachDatabase("socket joins on a long event log", (kind) => {
  let server: ServerProcess;
  let cleanup: () => Promise<void>;
  const sockets: Socket[] = [];
  const open = () => {
    const socket = connect(server.url, { transports: ["websocket"], forceNew: true });
    sockets.push(socket);
    return socket;
  };
  const post = (p: string, body: unknown) =>
    fetch(`${server.url}/api/v1${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const head = async (name: string) =>
    ((await (await fetch(`${server.url}/api/v1/experiments/${encodeURIComponent(name)}`)).json()) as { lastEventSeq: number }).lastEventSeq;

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-backlog-"));
    const pg = kind === "postgres" ? await createPostgresDatabase() : null;
    const database = await openDatabase(pg ? { url: pg.url } : { dataDir: path.join(dataDir, "db") });
    try {
      await seedEventLog(database.prisma, { name: LOG, events: EVENTS });
    } finally {
      await database.close();
    }
    server = await startServerProcess(pg ? { databaseUrl: pg.url } : { dataDir });
    cleanup = async () => {
      for (const s of sockets) s.disconnect();
      await server?.stop();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }, 240_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it("sends three joins with afterSeq 0 the latest events only, with reload, while the health check stays responsive", async () => {
    // A first join: the server process's first read of the log (query plans, code) is not what is measured.
    const warm = open();
    expect(await join(warm, { experiment: LOG, afterSeq: EVENTS - 1 })).toMatchObject({ ok: true });
    const pinger = startPinger(`${server.url}/api/v1/health`);
    await pinger.ready;
    const clients = [open(), open(), open()].map((socket) => ({ socket, received: listen(socket) }));
    const acks = await Promise.all(clients.map(({ socket }) => join(socket, { experiment: LOG, afterSeq: 0 })));
    for (const { received } of clients) await waitFor(() => received.seqs.at(-1) === EVENTS);
    const health = await pinger.stop();
    for (const [i, { received }] of clients.entries()) {
      expect(acks[i]).toMatchObject({ ok: true, lastEventSeq: EVENTS, afterSeq: EVENTS - MAX_BACKLOG, reload: true });
      expect(received.seqs).toEqual(range(EVENTS - MAX_BACKLOG + 1, EVENTS));
    }
    const bytes = clients.reduce((n, c) => n + c.received.bytes, 0);
    console.log(
      `[${kind}] 3 joins at afterSeq 0 on ${EVENTS} events: ${(bytes / 1e6).toFixed(2)} MB sent; health check p50 ${health.p50.toFixed(0)} ms, max ${health.max.toFixed(0)} ms (${health.count} pings)`,
    );
    // The whole log is about 24 MB a join; what is sent is the bounded backlog.
    expect(bytes).toBeLessThan(3 * MAX_BACKLOG * 800);
    // Unbounded, such joins blocked the server for seconds (43 s at 164,000 events); bounded, a
    // few hundred ms at worst on this shared 2-core machine (bench/reads.ts measures it properly).
    expect(health.failed).toBe(0);
    expect(health.p50).toBeLessThan(500);
    expect(health.max).toBeLessThan(3_000);
  });

  it("replays exactly what a join missed when it is within the bound, then the live events, in order and once", async () => {
    const socket = open();
    const received = listen(socket);
    const start = (await head(LOG)) - 50;
    const ack = await join(socket, { experiment: LOG, afterSeq: start });
    expect(ack).toMatchObject({ ok: true, afterSeq: start, reload: false });
    // New events while (and after) the backlog goes out: jobs handed to workers.
    for (let i = 0; i < 5; i++) expect((await post(`/experiments/${encodeURIComponent(LOG)}/next-job`, { workerId: `w${i}` })).status).toBe(200);
    const end = await head(LOG);
    expect(end).toBeGreaterThan(start + 50);
    await waitFor(() => received.seqs.at(-1) === end);
    expect(received.seqs).toEqual(range(start + 1, end));
  });

  it("delivers events that arrive during a long backlog after it, without a gap or a repeat", async () => {
    const socket = open();
    const received = listen(socket);
    const joined = join(socket, { experiment: LOG, afterSeq: 0 });
    const writes = Promise.all(range(0, 4).map((i) => post(`/experiments/${encodeURIComponent(LOG)}/next-job`, { workerId: `during-${i}` })));
    const ack = await joined;
    await writes;
    expect(ack).toMatchObject({ ok: true, reload: true });
    const end = await head(LOG);
    await waitFor(() => received.seqs.at(-1) === end);
    expect(received.seqs).toEqual(range((ack as { afterSeq: number }).afterSeq + 1, end));
  });

  it("limits the experiments one connection follows and the joins waiting on it", async () => {
    const names = range(1, MAX_JOINED + 1).map((i) => `followed ${i}`);
    for (const name of names) {
      const created = await post("/experiments", { name, metric: "score", populationSize: 1, stop: { maxGenerations: 1 }, hyperparameters: {} });
      expect(created.status).toBe(201);
    }
    const socket = open();
    for (const name of names.slice(0, MAX_JOINED)) expect(await join(socket, { experiment: name })).toMatchObject({ ok: true });
    expect(await join(socket, { experiment: names.at(-1) })).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    // Joining one already followed again is not one more.
    expect(await join(socket, { experiment: names[0], afterSeq: 1 })).toMatchObject({ ok: true });
    const first = (await join(socket, { experiment: names[0] })) as { experimentId: number };
    socket.emit("leave", { experimentId: first.experimentId });
    expect(await join(socket, { experiment: names.at(-1) })).toMatchObject({ ok: true });

    // Joins are handled one at a time; beyond MAX_PENDING_JOINS waiting, they are refused at once.
    const busy = open();
    const answers = await Promise.all(range(1, MAX_PENDING_JOINS + 2).map(() => join(busy, { experiment: LOG, afterSeq: 0 })));
    expect(answers.filter((a) => a.ok)).toHaveLength(MAX_PENDING_JOINS);
    expect(answers.filter((a) => !a.ok).map((a) => (a as { error: { code: string } }).error.code)).toEqual(["rate_limited", "rate_limited"]);
  });

  it("answers malformed join payloads with a clear error, and keeps the connection and the server working", async () => {
    const socket = open();
    const received = listen(socket);
    const invalid: unknown[] = [
      null,
      5,
      "long log",
      [],
      [LOG, 0],
      {},
      { experiment: 5 },
      { experiment: "" },
      { experiment: "a/b" },
      { experiment: "x".repeat(10_000) },
      { experiment: LOG, afterSeq: -1 },
      { experiment: LOG, afterSeq: 1.5 },
      { experiment: LOG, afterSeq: "0" },
      { experiment: LOG, afterSeq: 2 ** 31 },
      { experiment: LOG, afterSeq: 1e300 },
      { experiment: LOG, afterSeq: Number.MAX_SAFE_INTEGER },
      { experiment: LOG, afterSeq: null },
      { experiment: LOG, afterSeq: { $gt: 0 } },
    ];
    for (const payload of invalid) {
      const ack = await join(socket, payload);
      expect({ payload, ack }).toMatchObject({ payload, ack: { ok: false, error: { code: "invalid_input" } } });
      expect((ack as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    }
    expect(await join(socket, { experiment: "no such experiment" })).toMatchObject({ ok: false, error: { code: "experiment_not_found" } });
    // Without an ack, and other events with garbage: ignored.
    socket.emit("join", { experiment: 7 });
    socket.emit("join");
    socket.emit("leave", "x");
    socket.emit("leave", null);
    socket.emit("leave", { experimentId: 2 ** 53 });
    socket.emit("watch-experiments", { x: 1 });
    // An afterSeq beyond the log's head (a log re-created under the same name): the latest events, and reload.
    const end = await head(LOG);
    const ahead = await join(socket, { experiment: LOG, afterSeq: end + 1_000 });
    expect(ahead).toMatchObject({ ok: true, reload: true, afterSeq: end - MAX_BACKLOG });
    await waitFor(() => received.seqs.at(-1) === end);
    expect(received.seqs).toEqual(range(end - MAX_BACKLOG + 1, end));
    expect(socket.connected).toBe(true);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    expect(server.output()).not.toMatch(/socket join:|socket delivery:/);
  });
});
