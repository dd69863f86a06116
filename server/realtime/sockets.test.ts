// socket.io delivery: every event exactly once and in order, even when the bus loses some
// (as a notification between processes can be lost), and across server processes on PostgreSQL.
import { createServer } from "node:http";
import { listEvents } from "../reads";
import type { AddressInfo } from "node:net";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase, describeOnPostgres } from "../testing/databases";
import { createTestScheduler, type TestScheduler } from "../testing/testScheduler";
import { startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { waitFor } from "../testing/waitFor";
import { simulatedWorker, type Claim } from "../testing/worker";
import type { Bus, BusMessage } from "./bus";
import { attachSockets } from "./sockets";

describe("socket delivery over a lossy bus", () => {
  let s: TestScheduler;
  beforeAll(async () => {
    s = await createTestScheduler("pglite");
  });
  afterAll(async () => {
    await s?.close();
  });

  it("fills gaps from the database so the client still sees every event in order", async () => {
    // A bus that loses every third event on its way to the sockets.
    let n = 0;
    const lossy: Bus = {
      publish: () => {},
      subscribe: (listener) =>
        s.scheduler.deps.bus.subscribe((m: BusMessage) => {
          if (m.type === "event" && ++n % 3 === 0) return;
          listener(m);
        }),
    };
    const http = createServer();
    const sockets = attachSockets(http, s.scheduler.deps, lossy);
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      await s.create({ name: "lossy", populationSize: 3, stop: { maxGenerations: 3 } });
      const client = connect(url, { transports: ["websocket"], forceNew: true });
      const seqs: number[] = [];
      client.on("event", (e: { seq: number }) => seqs.push(e.seq));
      await new Promise((r) => client.emit("join", { experiment: "lossy", afterSeq: 0 }, r));
      for (;;) {
        const answer = await s.scheduler.nextJob("lossy", "w");
        if (answer.status !== "job") break;
        await s.scheduler.completeJob(answer.job.id, answer.leaseToken, { score: answer.job.member });
      }
      const events = await listEvents(s.scheduler.deps, "lossy", 0, 5000);
      expect(n).toBeGreaterThan(10);
      await waitFor(() => seqs.at(-1) === events.at(-1)!.seq);
      client.disconnect();
      expect(seqs).toEqual(events.map((e) => e.seq));
    } finally {
      await sockets.close();
      http.close();
    }
  });
});

describeOnPostgres("events across server processes", () => {
  const servers: ServerProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    servers.push(...(await Promise.all([startServerProcess({ databaseUrl: db.url }), startServerProcess({ databaseUrl: db.url })])));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await drop?.();
  });

  it("reach a browser connected to the other process", async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const name = "cross-process";
    const created = await fetch(`${a.url}/api/v1/experiments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name,
        metric: "score",
        populationSize: 4,
        stop: { maxGenerations: 3 },
        hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
      }),
    });
    expect(created.status).toBe(201);
    const client = connect(b.url, { transports: ["websocket"], forceNew: true });
    const seqs: number[] = [];
    let metrics = 0;
    client.on("event", (e: { seq: number }) => seqs.push(e.seq));
    client.on("metrics", () => metrics++);
    await new Promise((r) => client.emit("join", { experiment: name, afterSeq: 0 }, r));
    const claims: Claim[] = [];
    // Workers talk only to process A; the browser is on process B.
    await Promise.all([0, 1, 2].map((i) => simulatedWorker([a.url], name, `w${i}`, claims)));
    const events = (await (await fetch(`${a.url}/api/v1/experiments/${encodeURIComponent(name)}/events`)).json()) as { seq: number }[];
    await waitFor(() => seqs.at(-1) === events.at(-1)!.seq);
    await waitFor(() => metrics === claims.length);
    client.disconnect();
    expect(seqs).toEqual(events.map((e) => e.seq));
  });
});
