// What travels over socket.io, both ways: the event names and their payloads, typed once for the
// server (server/realtime/sockets.ts) and the browser (components/live/socket.ts), so "go to
// definition" on an event name leads here.
import type { LineageEvent } from "./event";

/** The answer to a join; the events after its `afterSeq` follow it. */
export type JoinAck =
  | {
      ok: true;
      experimentId: number;
      /** The experiment's last event when the join was handled. */
      lastEventSeq: number;
      /** Events after this seq follow (the asked `afterSeq`, unless `reload`). */
      afterSeq: number;
      /** The asked `afterSeq` was too far behind (or ahead): events up to `afterSeq` were skipped; reload the snapshot. */
      reload: boolean;
    }
  | { ok: false; error: { code: string; message: string } };

/** Live-only news of a running job: metric points (non-finite values as the strings "NaN", "Infinity", "-Infinity"). */
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

export interface ServerToClientEvents {
  /** An event of a joined experiment's log, each exactly once and in seq order. */
  event: (event: LineageEvent) => void;
  metrics: (metrics: LiveMetrics) => void;
  heartbeat: (heartbeat: LiveHeartbeat) => void;
  /** The list of experiments changed (to sockets that asked with watch-experiments). */
  experiments: (change: { experimentId: number; change: "created" | "deleted" | "updated" }) => void;
}

export interface ClientToServerEvents {
  /** Follow an experiment from after `afterSeq`; checked on the server (the payload is untrusted). */
  join: (payload: { experiment: string; afterSeq: number }, ack: (ack: JoinAck) => void) => void;
  leave: (payload: { experimentId: number }) => void;
  "watch-experiments": () => void;
}
