// socket.io on the server's port. A client joins an experiment with the last event seq it saw and
// gets every later event exactly once and in order: the backlog from the database first, then the
// live events. Each subscription handles its events one after another; an event that arrives
// after a gap (a notification lost between processes) first fills the gap from the database.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { LineageError } from "../api/errors";
import type { AuthSettings } from "../auth/request";
import { guardSockets } from "../auth/sockets";
import type { Scheduler } from "../scheduler";
import type { EventView } from "../scheduler/views";
import type { Bus } from "./bus";

interface Subscription {
  experimentId: number;
  lastSeq: number;
  /** The subscription's work in order: catching up from the database, delivering live events. */
  queue: Promise<void>;
}

export type JoinAck =
  | { ok: true; experimentId: number; lastEventSeq: number }
  | { ok: false; error: { code: string; message: string } };

export const EXPERIMENTS_ROOM = "experiments";

export function attachSockets(httpServer: HttpServer, scheduler: Scheduler, bus: Bus, auth?: AuthSettings) {
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
  // The same checks as the APIs (server/auth/sockets.ts), and cut when the credentials end.
  const guard = auth ? guardSockets(io, bus, auth) : null;
  const subscriptions = new Map<Socket, Map<number, Subscription>>();

  function deliver(socket: Socket, sub: Subscription, event: EventView) {
    if (event.seq <= sub.lastSeq) return;
    sub.lastSeq = event.seq;
    socket.emit("event", event);
  }

  /** Delivers every stored event after the last one delivered. */
  async function catchUp(socket: Socket, sub: Subscription) {
    for (;;) {
      const backlog = await scheduler.listEventsById(sub.experimentId, sub.lastSeq, 1000);
      for (const event of backlog) deliver(socket, sub, event);
      if (backlog.length < 1000) return;
    }
  }

  function enqueue(sub: Subscription, work: () => Promise<void> | void) {
    const next = sub.queue.then(work);
    sub.queue = next.catch((error: unknown) => console.error("socket delivery:", error));
    return next;
  }

  function receive(socket: Socket, sub: Subscription, event: EventView) {
    void enqueue(sub, async () => {
      if (event.seq <= sub.lastSeq) return;
      if (event.seq > sub.lastSeq + 1 || event.data.truncated === true) await catchUp(socket, sub);
      deliver(socket, sub, event);
    });
  }

  io.on("connection", (socket) => {
    const subs = new Map<number, Subscription>();
    subscriptions.set(socket, subs);
    socket.on("disconnect", () => subscriptions.delete(socket));

    socket.on("join", async (payload: unknown, ack?: (a: JoinAck) => void) => {
      const reply = typeof ack === "function" ? ack : () => {};
      try {
        const { experiment, afterSeq } = parseJoin(payload);
        const view = await scheduler.getExperiment(experiment);
        // Subscribed before the backlog is read, so that nothing published meanwhile is missed.
        const sub: Subscription = { experimentId: view.id, lastSeq: afterSeq, queue: Promise.resolve() };
        subs.set(view.id, sub);
        await enqueue(sub, () => catchUp(socket, sub));
        reply({ ok: true, experimentId: view.id, lastEventSeq: sub.lastSeq });
      } catch (error) {
        const e = error instanceof LineageError ? error : new LineageError("internal", "could not join");
        if (!(error instanceof LineageError)) console.error("socket join:", error);
        reply({ ok: false, error: { code: e.code, message: e.message } });
      }
    });

    socket.on("leave", (payload: unknown) => {
      const id = (payload as { experimentId?: unknown })?.experimentId;
      if (typeof id === "number") subs.delete(id);
    });

    socket.on("watch-experiments", () => void socket.join(EXPERIMENTS_ROOM));
  });

  const unsubscribe = bus.subscribe((message) => {
    if (message.type === "access") return; // the guard's
    if (message.type === "experiments") {
      io.to(EXPERIMENTS_ROOM).emit("experiments", { experimentId: message.experimentId, change: message.change });
      return;
    }
    for (const [socket, subs] of subscriptions) {
      const sub = subs.get(message.experimentId);
      if (!sub) continue;
      if (message.type === "event") {
        receive(socket, sub, message.event);
      } else if (message.type === "metrics") {
        socket.emit("metrics", { experimentId: message.experimentId, jobId: message.jobId, member: message.member, points: message.points });
      } else if (message.type === "heartbeat") {
        socket.emit("heartbeat", { experimentId: message.experimentId, jobId: message.jobId, member: message.member, at: message.at });
      }
    }
    // Every experiment change also moves the list's progress figures.
    if (message.type === "event") io.to(EXPERIMENTS_ROOM).emit("experiments", { experimentId: message.experimentId, change: "updated" });
  });

  return {
    io,
    async close() {
      unsubscribe();
      guard?.close();
      await io.close();
    },
  };
}

function parseJoin(payload: unknown): { experiment: string; afterSeq: number } {
  const p = (payload ?? {}) as { experiment?: unknown; afterSeq?: unknown };
  if (typeof p.experiment !== "string" || p.experiment.length === 0) {
    throw new LineageError("invalid_input", "experiment: the experiment's name is required", [
      { field: "experiment", message: "required", accepted: "string" },
    ]);
  }
  const afterSeq = p.afterSeq ?? 0;
  if (typeof afterSeq !== "number" || !Number.isInteger(afterSeq) || afterSeq < 0) {
    throw new LineageError("invalid_input", "afterSeq: must be an integer of 0 or more", [
      { field: "afterSeq", message: "must be an integer of 0 or more", accepted: "integer >= 0" },
    ]);
  }
  return { experiment: p.experiment, afterSeq };
}
