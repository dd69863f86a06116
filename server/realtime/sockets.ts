// socket.io on the server's port. A client joins an experiment with the last event seq it saw and
// gets every later event exactly once and in order: a bounded backlog from the database first,
// then the live events (eventStream.ts). An event that arrives after a gap (a notification lost
// between processes) first fills the gap from the database.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../domain/socket";
import type { AuthSettings } from "../auth/request";
import { guardSockets } from "../auth/sockets";
import type { ReadDeps } from "../reads";
import type { Bus } from "./bus";
import { SocketEvents } from "./eventStream";

export type { JoinAck } from "./eventStream";

export const EXPERIMENTS_ROOM = "experiments";

export function attachSockets(httpServer: HttpServer, db: ReadDeps, bus: Bus, auth?: AuthSettings) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
  // The same checks as the APIs (server/auth/sockets.ts), and cut when the credentials end.
  const guard = auth ? guardSockets(io, bus, auth) : null;
  const streams = new Map<Socket, SocketEvents>();

  io.on("connection", (socket) => {
    const events = new SocketEvents(socket, db);
    streams.set(socket, events);
    socket.on("disconnect", () => {
      streams.delete(socket);
      events.close();
    });

    // Payloads come from the network: typed for the honest client, checked by SocketEvents.
    socket.on("join", (payload: unknown, ack?: unknown) => {
      void events.join(payload, typeof ack === "function" ? (ack as (a: unknown) => void) : () => {});
    });

    socket.on("leave", (payload: unknown) => events.leave((payload as { experimentId?: unknown } | null)?.experimentId));

    socket.on("watch-experiments", () => void socket.join(EXPERIMENTS_ROOM));
  });

  const unsubscribe = bus.subscribe((message) => {
    if (message.type === "access") return; // the guard's
    if (message.type === "experiments") {
      io.to(EXPERIMENTS_ROOM).emit("experiments", { experimentId: message.experimentId, change: message.change });
      return;
    }
    for (const [socket, events] of streams) {
      if (!events.following(message.experimentId)) continue;
      if (message.type === "event") {
        events.receive(message.event, message.partial);
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
