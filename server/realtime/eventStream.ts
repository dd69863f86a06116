// One socket's subscriptions to experiments' event logs. A join gets the backlog after the seq it
// names, then live events, each exactly once and in order. What one socket can make the server do
// is bounded: the backlog is at most MAX_BACKLOG events (a client further behind is told to reload
// its snapshot instead of being sent the whole log), it is read and sent a page at a time, waiting
// for the socket to take each page before reading the next (so a slow or hostile reader costs a
// page of memory, and the event loop gets a turn between pages), and a socket handles its joins
// one after another, with a bounded number pending and joined.
import type { Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../domain/socket";
import { z } from "zod";
import { fromZodError, LineageError } from "../domain/errors";
import { experimentNameSchema } from "../pbt/config";
import { getExperiment, listEventsById, type ReadDeps } from "../reads";
import type { JoinAck } from "../domain/socket";
import type { LineageEvent } from "../domain/event";

/** Events replayed on a join at most; a client further behind gets these and `reload: true`. */
export const MAX_BACKLOG = 2_000;
/** Events read from the database and emitted at a time. */
export const BACKLOG_PAGE = 200;
/** Experiments one socket may follow at once (the dashboard follows one). */
export const MAX_JOINED = 8;
/** Joins one socket may have waiting (they are handled one at a time). */
export const MAX_PENDING_JOINS = 4;
/** A socket that does not take a page of its backlog within this long is disconnected. */
export const STALL_MS = 30_000;

export type { JoinAck };

const joinSchema = z.object(
  {
    experiment: experimentNameSchema,
    afterSeq: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
  },
  { error: "must be an object { experiment, afterSeq }" },
);

export function parseJoin(payload: unknown): { experiment: string; afterSeq: number } {
  const parsed = joinSchema.safeParse(payload);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

interface Subscription {
  experimentId: number;
  /** The last event delivered. */
  lastSeq: number;
  /** The newest event known to exist (from the join, or a live event). */
  knownSeq: number;
  /** A catch-up loop (or the join) is running: live events only raise knownSeq. */
  catchingUp: boolean;
}

export class SocketEvents {
  private readonly subscriptions = new Map<number, Subscription>();
  private joins: Promise<unknown> = Promise.resolve();
  private pendingJoins = 0;

  constructor(
    private readonly socket: Socket<ClientToServerEvents, ServerToClientEvents>,
    private readonly db: ReadDeps,
  ) {}

  following(experimentId: number): boolean {
    return this.subscriptions.has(experimentId);
  }

  leave(experimentId: unknown) {
    if (typeof experimentId === "number") this.subscriptions.delete(experimentId);
  }

  close() {
    this.subscriptions.clear();
  }

  /** Handles a `join` after the socket's earlier ones; the ack is sent before the backlog. */
  join(payload: unknown, reply: (ack: JoinAck) => void): Promise<void> {
    if (this.pendingJoins >= MAX_PENDING_JOINS) {
      reply(refusal(new LineageError("rate_limited", `at most ${MAX_PENDING_JOINS} joins may wait on one connection; wait for their answers`)));
      return Promise.resolve();
    }
    this.pendingJoins++;
    const done = this.joins.then(() => this.handleJoin(payload, reply)).finally(() => this.pendingJoins--);
    this.joins = done.catch(() => {});
    return done;
  }

  private async handleJoin(payload: unknown, reply: (ack: JoinAck) => void) {
    let sub: Subscription;
    try {
      const { experiment, afterSeq } = parseJoin(payload);
      const view = await getExperiment(this.db, experiment);
      if (!this.subscriptions.has(view.id) && this.subscriptions.size >= MAX_JOINED) {
        throw new LineageError("rate_limited", `one connection may follow at most ${MAX_JOINED} experiments; leave one first`);
      }
      // Subscribed before anything is read, so that nothing published meanwhile is missed; live
      // events only raise knownSeq until the backlog has been sent.
      sub = { experimentId: view.id, lastSeq: afterSeq, knownSeq: afterSeq, catchingUp: true };
      this.subscriptions.set(view.id, sub);
      // The log's head now (the view above may be older than an event that arrived meanwhile).
      const head = Math.max(view.lastEventSeq, (await getExperiment(this.db, experiment)).lastEventSeq);
      const reload = afterSeq > head || head - afterSeq > MAX_BACKLOG;
      sub.lastSeq = reload ? Math.max(0, head - MAX_BACKLOG) : afterSeq;
      sub.knownSeq = Math.max(sub.knownSeq, head);
      reply({ ok: true, experimentId: view.id, lastEventSeq: head, afterSeq: sub.lastSeq, reload });
    } catch (error) {
      if (!(error instanceof LineageError)) console.error("socket join:", error);
      reply(refusal(error));
      return;
    }
    await this.catchUp(sub);
  }

  /** A live event of an experiment this socket follows. */
  receive(event: LineageEvent, partial = false) {
    const sub = this.subscriptions.get(event.experimentId);
    if (!sub || event.seq <= sub.lastSeq) return;
    sub.knownSeq = Math.max(sub.knownSeq, event.seq);
    if (sub.catchingUp) return;
    // Next in line and complete: straight out. After a gap (a notification lost between
    // processes), or an event sent without its data (too big to notify): from the database.
    if (event.seq === sub.lastSeq + 1 && !partial) {
      this.deliver(sub, event);
      return;
    }
    sub.catchingUp = true;
    void this.catchUp(sub);
  }

  /** Sends every stored event after sub.lastSeq up to sub.knownSeq, a page at a time; the caller set catchingUp. */
  private async catchUp(sub: Subscription) {
    try {
      while (this.current(sub) && sub.lastSeq < sub.knownSeq) {
        const page = await listEventsById(this.db, sub.experimentId, sub.lastSeq, BACKLOG_PAGE);
        if (!this.current(sub)) return;
        // Not visible yet (it should be: events are published after their commit); the next
        // live event of this experiment tries again.
        if (page.length === 0) break;
        for (const event of page) this.deliver(sub, event);
        if (!(await this.drained())) {
          console.error(`socket ${this.socket.id}: did not read its backlog for ${STALL_MS / 1000} s; disconnected`);
          this.socket.disconnect(true);
          return;
        }
      }
    } catch (error) {
      console.error("socket delivery:", error);
    } finally {
      sub.catchingUp = false;
    }
  }

  private current(sub: Subscription): boolean {
    return this.socket.connected && this.subscriptions.get(sub.experimentId) === sub;
  }

  private deliver(sub: Subscription, event: LineageEvent) {
    if (event.seq <= sub.lastSeq) return;
    sub.lastSeq = event.seq;
    this.socket.emit("event", event);
  }

  /**
   * Resolves true once the connection has handed everything emitted so far to the network (or
   * is gone), false after STALL_MS. engine.io keeps what a transport cannot take yet in its
   * write buffer; its transport is writable again when its last write went out.
   */
  private async drained(): Promise<boolean> {
    const deadline = Date.now() + STALL_MS;
    for (;;) {
      // A turn for the event loop between pages, whatever the database did.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.socket.connected) return true;
      const conn = this.socket.conn as unknown as EngineConnection;
      if (conn.transport.writable && !(conn.writeBuffer?.length ?? 0)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const transport = conn.transport;
        const done = () => {
          clearTimeout(timer);
          transport.off("drain", done);
          resolve();
        };
        // Rechecked now and then as well: the transport can change (an upgrade from polling).
        const timer = setTimeout(done, Math.min(left, 100));
        transport.on("drain", done);
      });
    }
  }
}

/** What this module reads of engine.io's connection (writeBuffer is not in its types). */
interface EngineConnection {
  writeBuffer?: unknown[];
  transport: { writable: boolean; on(event: "drain", fn: () => void): void; off(event: "drain", fn: () => void): void };
}

function refusal(error: unknown): JoinAck {
  const e = error instanceof LineageError ? error : new LineageError("internal", "could not join");
  return { ok: false, error: { code: e.code, message: e.message } };
}
