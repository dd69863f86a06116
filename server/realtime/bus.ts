// The event bus between the scheduler and socket.io. Messages are published after their
// transaction commits. In one process an EventEmitter is enough; several processes on one
// PostgreSQL need a bus that crosses them (a later step: LISTEN/NOTIFY).
import { EventEmitter } from "node:events";
import type { EventView } from "../scheduler/views";

export type BusMessage =
  /** A persisted event of the experiment's log (has a gap-free `seq`). */
  | { type: "event"; experimentId: number; event: EventView }
  /** Live-only news that is not logged: metric points, heartbeats. */
  | { type: "metrics"; experimentId: number; jobId: number; member: number; points: { step: number; values: Record<string, number | string> }[] }
  | { type: "heartbeat"; experimentId: number; jobId: number; member: number; at: string }
  /** The list of experiments changed (created, deleted). */
  | { type: "experiments"; experimentId: number; change: "created" | "deleted" | "updated" };

export interface Bus {
  publish(message: BusMessage): void;
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
