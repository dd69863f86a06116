"use client";
// The dashboard's one socket.io connection (same origin as the page), shared by every view.
import { io, type Socket } from "socket.io-client";

let socket: Socket | undefined;

export function getSocket(): Socket {
  if (!socket) {
    socket = io({ transports: ["websocket", "polling"] });
    // Lets the browser tests drop and restore the connection, as a flaky network would.
    (window as unknown as { __lineageSocket?: Socket }).__lineageSocket = socket;
  }
  return socket;
}

/** The answer to a join; the events after its `afterSeq` follow it. */
export type { JoinAck } from "@/server/realtime/eventStream";

/** An event of an experiment's log, as the server sends it. */
export type { LineageEvent as LiveEvent } from "@/server/domain/event";

export interface LiveMetrics {
  experimentId: number;
  jobId: number;
  member: number;
  points: { step: number; values: Record<string, number | string> }[];
}

export interface LiveHeartbeat {
  experimentId: number;
  jobId: number;
  member: number;
  at: string;
}
