// The event bus across server processes that share one PostgreSQL: messages go out with
// NOTIFY and come in through LISTEN on a dedicated connection. Local subscribers get a process's
// own messages at once; other processes get them from PostgreSQL. A lost notification costs
// nothing durable: sockets fill any gap in an experiment's event sequence from the database.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Bus, BusMessage } from "./bus";
import { createLocalBus } from "./bus";

const CHANNEL = "lineage_bus";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

export interface PostgresBus extends Bus {
  close(): Promise<void>;
}

export async function createPostgresBus(url: string, options: { log?: (line: string) => void } = {}): Promise<PostgresBus> {
  const log = options.log ?? ((line: string) => console.error(line));
  const origin = randomUUID();
  const local = createLocalBus();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", (e) => log(`[bus] idle connection failed: ${e.message}`));
  let listener: pg.Client | null = null;
  let closed = false;

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on("notification", (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        const { from, message } = JSON.parse(n.payload) as { from: string; message: BusMessage };
        if (from !== origin) local.publish(message);
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

  /** Splits a message so that each notification fits PostgreSQL's payload limit. */
  function payloads(message: BusMessage): string[] {
    const whole = JSON.stringify({ from: origin, message });
    if (Buffer.byteLength(whole) <= MAX_PAYLOAD) return [whole];
    if (message.type === "metrics" && message.points.length > 1) {
      const half = Math.ceil(message.points.length / 2);
      return [
        ...payloads({ ...message, points: message.points.slice(0, half) }),
        ...payloads({ ...message, points: message.points.slice(half) }),
      ];
    }
    if (message.type === "event") {
      // Too big to carry (e.g. a large config): send it without its data; sockets that need the
      // data read the event from the database when they fill gaps, and live views refetch.
      return [JSON.stringify({ from: origin, message: { ...message, event: { ...message.event, data: { truncated: true } } } })];
    }
    log(`[bus] dropped a ${message.type} message too large to notify`);
    return [];
  }

  return {
    publish(message) {
      local.publish(message);
      const sent = payloads(message).map((payload) =>
        pool.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]).then(
          () => {},
          (e: Error) => log(`[bus] NOTIFY failed: ${e.message}`),
        ),
      );
      return Promise.all(sent).then(() => {});
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await listener?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
