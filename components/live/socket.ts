"use client";
// The dashboard's one socket.io connection (same origin as the page), shared by every view. Its
// events and payloads are typed by the server's contract (server/domain/socket.ts).
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/server/domain/socket";

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: LiveSocket | undefined;

export function getSocket(): LiveSocket {
  if (!socket) {
    socket = io({ transports: ["websocket", "polling"] });
    // Lets the browser tests drop and restore the connection, as a flaky network would.
    (window as unknown as { __lineageSocket?: LiveSocket }).__lineageSocket = socket;
  }
  return socket;
}

export type { JoinAck, LiveHeartbeat, LiveMetrics } from "@/server/domain/socket";
/** An event of an experiment's log, as the server sends it. */
export type { LineageEvent as LiveEvent } from "@/server/domain/event";
