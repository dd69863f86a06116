// The event bus across server processes that share one PostgreSQL: messages go out with
// NOTIFY and come in through LISTEN on a dedicated connection. Local subscribers get a process's
// own messages at once; other processes get them from PostgreSQL. A lost notification costs
// nothing durable: sockets fill any gap in an experiment's event sequence from the database.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Bus, BusMessage } from "./bus";
import { createLocalBus } from "./bus";

const CHANNEL = "lineage_bus";
/** The LISTEN connection's application_name, followed by the process's origin id. */
const LISTENER_NAME = "lineage_bus";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;
/** Notifications per statement (at most 8 MB of parameters). */
const NOTIFY_BATCH = 1000;

export interface PostgresBus extends Bus {
  close(): Promise<void>;
}

export async function createPostgresBus(url: string, options: { log?: (line: string) => void } = {}): Promise<PostgresBus> {
  const log = options.log ?? ((line: string) => console.error(line));
  const origin = randomUUID();
  /** How every notification this process sends begins ({"from": origin, …}). */
  const ownPrefix = JSON.stringify({ from: origin }).slice(0, -1);
  const local = createLocalBus();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", (e) => log(`[bus] idle connection failed: ${e.message}`));
  let listener: pg.Client | null = null;
  let closed = false;
  /** Access messages sent by this process, waiting for the other processes' acknowledgements. */
  const awaitingAcks = new Map<string, (from: string) => void>();

  async function listen(): Promise<void> {
    // The name lets a process that sends an access message see who listens (publishAccess).
    const client = new pg.Client({ connectionString: url, application_name: `${LISTENER_NAME} ${origin}` });
    client.on("notification", (n) => {
      // This process's own messages come back too: skipped unread (there are thousands a second).
      if (n.channel !== CHANNEL || !n.payload || n.payload.startsWith(ownPrefix)) return;
      try {
        // A message (`id` set on access messages, which want an acknowledgement), or an acknowledgement.
        const note = JSON.parse(n.payload) as { from: string; message?: BusMessage; id?: string; ack?: string; to?: string };
        if (note.from === origin) return;
        if (note.ack !== undefined) {
          if (note.to === origin) awaitingAcks.get(note.ack)?.(note.from);
          return;
        }
        if (!note.message) return;
        // Subscribers act on an access message synchronously (caches emptied, sockets cut), so
        // the acknowledgement goes out after that.
        local.publish(note.message);
        if (note.id !== undefined) {
          const ack = JSON.stringify({ from: origin, ack: note.id, to: note.from });
          pool.query("SELECT pg_notify($1, $2)", [CHANNEL, ack]).catch((e: Error) => log(`[bus] NOTIFY failed: ${e.message}`));
        }
      } catch (error) {
        log(`[bus] ignored a malformed notification: ${(error as Error).message}`);
      }
    });
    client.on("error", (e) => {
      log(`[bus] LISTEN connection lost (${e.message}); reconnecting`);
      void reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    listener = client;
  }

  async function reconnect() {
    const old = listener;
    listener = null;
    await old?.end().catch(() => {});
    for (let delay = 250; !closed; delay = Math.min(delay * 2, 5000)) {
      try {
        await listen();
        log("[bus] LISTEN connection restored");
        // A revocation notified meanwhile was lost: every credential is checked again.
        local.publish({ type: "access", tokenId: null, sessionId: null });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  await listen();

  /**
   * Credentials ended: resolves once every other process listening on the database has emptied
   * its caches and cut its sockets (each acknowledges), so that a revoked token is refused
   * everywhere as soon as the revocation answers. Gives up waiting on a process after a second.
   */
  async function publishAccess(message: Extract<BusMessage, { type: "access" }>): Promise<void> {
    const id = randomUUID();
    try {
      const { rows } = await pool.query<{ name: string }>(
        "SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1",
        [`${LISTENER_NAME} %`],
      );
      const waiting = new Set(rows.map((r) => r.name.slice(LISTENER_NAME.length + 1)).filter((o) => o !== origin));
      const acknowledged = new Promise<void>((resolve) => {
        if (waiting.size === 0) return resolve();
        const timer = setTimeout(resolve, 1000);
        awaitingAcks.set(id, (from) => {
          waiting.delete(from);
          if (waiting.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await pool.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ from: origin, message, id })]);
      await acknowledged;
    } catch (e) {
      log(`[bus] NOTIFY failed: ${(e as Error).message}`);
    } finally {
      awaitingAcks.delete(id);
    }
  }

  // Notifications go out in batches, one statement at a time: under load (a thousand jobs a second
  // make five or six thousand messages) a statement per message fell behind, and the queue of
  // statements waiting for the pool's two connections grew by a hundred thousand a minute.
  // One statement at a time also keeps them in the order they were published.
  let queued: string[] = [];
  let waiting: (() => void)[] = [];
  let sending = false;

  function notify(batch: string[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    queued.push(...batch);
    const sent = new Promise<void>((resolve) => waiting.push(resolve));
    if (!sending) void sendQueued();
    return sent;
  }

  async function sendQueued() {
    sending = true;
    while (queued.length > 0) {
      const [batch, done] = [queued, waiting];
      [queued, waiting] = [[], []];
      for (let i = 0; i < batch.length; i += NOTIFY_BATCH) {
        await pool
          .query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload", [CHANNEL, batch.slice(i, i + NOTIFY_BATCH)])
          .catch((e: Error) => log(`[bus] NOTIFY failed: ${e.message}`));
      }
      for (const resolve of done) resolve();
    }
    sending = false;
  }

  /** Splits a message so that each notification fits PostgreSQL's payload limit. */
  function payloads(message: BusMessage): string[] {
    const whole = JSON.stringify({ from: origin, message });
    if (Buffer.byteLength(whole) <= MAX_PAYLOAD) return [whole];
    if (message.type === "metrics" && message.points.length > 1) {
      const half = Math.ceil(message.points.length / 2);
      return [...payloads({ ...message, points: message.points.slice(0, half) }), ...payloads({ ...message, points: message.points.slice(half) })];
    }
    if (message.type === "event") {
      // Too big to carry (e.g. a large config): send it without its data; sockets that need the
      // data read the event from the database when they fill gaps, and live views refetch.
      return [JSON.stringify({ from: origin, message: { ...message, partial: true, event: { ...message.event, data: {} } } })];
    }
    log(`[bus] dropped a ${message.type} message too large to notify`);
    return [];
  }

  return {
    publish(message) {
      local.publish(message);
      if (message.type === "access") return publishAccess(message);
      return notify(payloads(message));
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await listener?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
