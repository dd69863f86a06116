// The bus between processes on one PostgreSQL: an access message (credentials ended) resolves
// only once every other listening process has acted on it; a burst of messages arrives whole and
// in order.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDatabase, describeOnPostgres } from "../testing/databases";
import { waitFor } from "../testing/waitFor";
import { createPostgresBus, type PostgresBus } from "./postgresBus";

describeOnPostgres("postgres bus", () => {
  let db: { url: string; drop(): Promise<void> };
  const buses: PostgresBus[] = [];
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await db?.drop();
  });

  it("answers an access message after the other processes have acted on it, and other messages at once", async () => {
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => createPostgresBus(db.url)));
    buses.push(a!, b!, c!);
    const acted: string[] = [];
    b!.subscribe((m) => void (m.type === "access" && acted.push(`b ${m.tokenId}`)));
    c!.subscribe((m) => void (m.type === "access" && acted.push(`c ${m.tokenId}`)));
    const local: string[] = [];
    a!.subscribe((m) => void (m.type === "access" && local.push(`a ${m.tokenId}`)));

    await a!.publish({ type: "access", tokenId: 7, sessionId: null });
    expect(local).toEqual(["a 7"]);
    expect(acted.sort()).toEqual(["b 7", "c 7"]);

    // A process that stopped listening is not waited for.
    await c!.close();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const listeners = async () =>
      (await client.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'lineage_bus %'")).rowCount;
    await waitFor(async () => (await listeners()) === 2, { what: "the closed process's listener to leave" });
    await client.end();
    const started = Date.now();
    await a!.publish({ type: "access", tokenId: 8, sessionId: null });
    expect(acted).toContain("b 8");
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("delivers a burst of messages to the other processes whole and in order, and to its own subscribers once", async () => {
    const [a, b] = await Promise.all([0, 1].map(() => createPostgresBus(db.url)));
    buses.push(a!, b!);
    const received: number[] = [];
    const own: number[] = [];
    b!.subscribe((m) => void (m.type === "heartbeat" && received.push(m.jobId)));
    a!.subscribe((m) => void (m.type === "heartbeat" && own.push(m.jobId)));
    const count = 3_000; // more than one statement's worth
    await Promise.all(
      Array.from({ length: count }, (_, i) => a!.publish({ type: "heartbeat", experimentId: 1, jobId: i, member: 0, at: "2026-01-01T00:00:00.000Z" })),
    );
    for (let i = 0; i < 200 && received.length < count; i++) await new Promise((r) => setTimeout(r, 25));
    const all = Array.from({ length: count }, (_, i) => i);
    expect(received).toEqual(all);
    expect(own).toEqual(all);
  });
});
