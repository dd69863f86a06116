// socket.io on the server's port. A client joins an experiment with the last event seq it saw and
// gets every later event exactly once and in order: the backlog from the database first, then the
// live events, which are held back while the backlog is replayed.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { LineageError } from "../api/errors";
import type { Scheduler } from "../scheduler";
import type { EventView } from "../scheduler/views";
import type { Bus } from "./bus";

interface Subscription {
  experimentId: number;
  lastSeq: number;
  /** Live events that arrived while the backlog was being replayed; null once caught up. */
  held: EventView[] | null;
}

export type JoinAck =
  | { ok: true; experimentId: number; lastEventSeq: number }
  | { ok: false; error: { code: string; message: string } };

export const EXPERIMENTS_ROOM = "experiments";

export function attachSockets(httpServer: HttpServer, scheduler: Scheduler, bus: Bus) {
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
  const subscriptions = new Map<Socket, Map<number, Subscription>>();

  function deliver(socket: Socket, sub: Subscription, event: EventView) {
    if (event.seq <= sub.lastSeq) return;
    sub.lastSeq = event.seq;
    socket.emit("event", event);
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
        const sub: Subscription = { experimentId: view.id, lastSeq: afterSeq, held: [] };
        subs.set(view.id, sub);
        for (;;) {
          const backlog = await scheduler.listEventsById(view.id, sub.lastSeq, 1000);
          for (const event of backlog) deliver(socket, sub, event);
          if (backlog.length < 1000) break;
        }
        const held = sub.held ?? [];
        sub.held = null;
        for (const event of held.sort((a, b) => a.seq - b.seq)) deliver(socket, sub, event);
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
    if (message.type === "experiments") {
      io.to(EXPERIMENTS_ROOM).emit("experiments", { experimentId: message.experimentId, change: message.change });
      return;
    }
    for (const [socket, subs] of subscriptions) {
      const sub = subs.get(message.experimentId);
      if (!sub) continue;
      if (message.type === "event") {
        if (sub.held) sub.held.push(message.event);
        else deliver(socket, sub, message.event);
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
