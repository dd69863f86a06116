// Access control at start-up: whether API tokens are required, the first admin token, and what
// the log must say about LINEAGE_ADMIN_TOKEN when it cannot take effect.
import type { Database } from "../db/client";
import type { Env } from "../env";
import type { Bus } from "../realtime/bus";
import { isLoopback, type AuthSettings } from "./request";
import { createToken, hashToken } from "./tokens";
import { createCredentialVerifier } from "./verifier";

/**
 * Decides whether API tokens are required and, the first time they are with none in the
 * database, creates an admin token and prints it (the only time it is shown).
 */
export async function setUpAuth(env: Env, database: Database, bus: Bus): Promise<AuthSettings> {
  const loopback = isLoopback(env.HOST);
  const enabled = env.LINEAGE_AUTH === "on" || (env.LINEAGE_AUTH === "auto" && !loopback);
  if (env.LINEAGE_AUTH === "off" && !loopback) {
    console.warn(`WARNING: LINEAGE_AUTH=off on ${env.HOST}: anyone who can reach this port can change every experiment.`);
  }
  const verifier = createCredentialVerifier({ prisma: database.prisma, bus, now: () => new Date() });
  const allowedHosts = env.LINEAGE_ALLOWED_HOSTS;
  if (!enabled) {
    if (env.LINEAGE_ADMIN_TOKEN) {
      console.warn(
        `LINEAGE_ADMIN_TOKEN is set but not used: access control is off (HOST=${env.HOST}, LINEAGE_AUTH=${env.LINEAGE_AUTH}), so no token is needed or checked. ` +
          "Set LINEAGE_AUTH=on to require tokens.",
      );
    }
    return { enabled, verifier, allowedHosts, host: env.HOST };
  }
  // One process creates the first token even when several start at once on one PostgreSQL.
  const admin = await database.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(727073, 1)`;
    if ((await tx.apiToken.count()) > 0) return null;
    return createToken(tx, { name: "first admin (created at start-up)", role: "admin", token: env.LINEAGE_ADMIN_TOKEN });
  });
  if (admin && env.LINEAGE_ADMIN_TOKEN) {
    console.log("Access control is on; the first admin token is the one given in LINEAGE_ADMIN_TOKEN.");
  } else if (admin) {
    console.log(
      [
        "",
        "Access control is on and there was no API token, so an admin token was created.",
        "It is shown this once; keep it safe (create others with `lineage token create`):",
        "",
        `    ${admin.token}`,
        "",
      ].join("\n"),
    );
  } else if (env.LINEAGE_ADMIN_TOKEN) {
    const problem = await adminTokenProblem(database, env.LINEAGE_ADMIN_TOKEN);
    if (problem) console.warn(problem);
  }
  return { enabled, verifier, allowedHosts, host: env.HOST };
}

/** Why LINEAGE_ADMIN_TOKEN, given over a database that already has tokens, will not work as an admin token (null: it does). */
async function adminTokenProblem(database: Database, token: string): Promise<string | null> {
  const row = await database.prisma.apiToken.findUnique({ where: { hash: hashToken(token) }, select: { id: true, name: true, role: true, revokedAt: true } });
  const where = "this database";
  const todo =
    "Sign in with an admin token that works (or have an admin run `lineage token create --role admin`) and put it in LINEAGE_ADMIN_TOKEN, " +
    "or unset LINEAGE_ADMIN_TOKEN.";
  if (!row) {
    return (
      `WARNING: LINEAGE_ADMIN_TOKEN is not a token of ${where}, so it is ignored and requests sending it get 401. ` +
      "It is used only on the first start, when there is no token yet; this database already has tokens (was LINEAGE_ADMIN_TOKEN changed since?). " +
      todo
    );
  }
  if (row.revokedAt) {
    return `WARNING: LINEAGE_ADMIN_TOKEN is token #${row.id} ("${row.name}"), revoked on ${row.revokedAt.toISOString()}: requests sending it get 401. ${todo}`;
  }
  if (row.role !== "admin") {
    return `WARNING: LINEAGE_ADMIN_TOKEN is token #${row.id} ("${row.name}"), a ${row.role} token, not an admin token: admin calls with it get 403. ${todo}`;
  }
  return null;
}
