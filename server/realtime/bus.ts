// The event bus between the scheduler and socket.io. Messages are published after their
// transaction commits. In one process an EventEmitter is enough (createLocalBus); several processes
// on one PostgreSQL share theirs through LISTEN/NOTIFY (postgresBus.ts). Which one a server uses is
// chosen at start-up (main.ts): the one place where the path from a write to a socket is picked at
// run time.
import { EventEmitter } from "node:events";
import type { LineageEvent } from "../domain/event";

export type BusMessage =
  /** A persisted event of the experiment's log (has a gap-free `seq`). */
  /** `partial`: sent without its data (too big to notify between processes); readers that need it read the log. */
  | { type: "event"; experimentId: number; event: LineageEvent; partial?: boolean }
  /** Live-only news that is not logged: metric points, heartbeats. */
  | { type: "metrics"; experimentId: number; jobId: number; member: number; points: { step: number; values: Record<string, number | string> }[] }
  | { type: "heartbeat"; experimentId: number; jobId: number; member: number; at: string }
  /** The list of experiments changed (created, deleted). */
  | { type: "experiments"; experimentId: number; change: "created" | "deleted" | "updated" }
  /**
   * Credentials stopped working: a revoked token (and its sessions), or a session that signed
   * out. Every process forgets its cached credentials and cuts the sockets made with them. Both
   * null: messages may have been lost (the bus reconnected), so every credential is checked again.
   */
  | { type: "access"; tokenId: number | null; sessionId: number | null };

export interface Bus {
  /** Resolves once other processes can receive the message (never rejects); callers may ignore it. */
  publish(message: BusMessage): void | Promise<void>;
  subscribe(listener: (message: BusMessage) => void): () => void;
}

export function createLocalBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(message) {
      emitter.emit("message", message);
    },
    subscribe(listener) {
      emitter.on("message", listener);
      return () => emitter.off("message", listener);
    },
  };
}
