// The dashboard's sign-in: a browser posts an API token once and gets a server-side session, a
// random id in an http-only, SameSite=Strict cookie (stored only as its hash, with an expiry),
// so page scripts never see a token and signing out really ends it. GET tells whether sign-in
// is needed; POST signs in; DELETE signs out.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LineageError } from "../domain/errors";
import type { PrismaClient } from "../db/generated/client";
import type { Bus } from "../realtime/bus";
import { checkOrigin } from "./crossSite";
import { LEGACY_TOKEN_COOKIE, readCookie, SESSION_COOKIE, type AuthSettings } from "./request";
import { hashToken } from "./tokens";

export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

export interface SessionDeps {
  prisma: PrismaClient;
  bus: Bus;
  now: () => Date;
}

/** Starts a session for a verified token; the returned id goes into the cookie and nowhere else. */
export async function createSession(deps: SessionDeps, tokenId: number): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString("base64url");
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000);
  await deps.prisma.session.deleteMany({ where: { expiresAt: { lt: now } } });
  await deps.prisma.session.create({ data: { hash: hashToken(id), tokenId, expiresAt } });
  return { id, expiresAt };
}

/** Ends a session (sign-out) on every process: its cookie stops working and its sockets are cut. */
export async function endSession(deps: SessionDeps, id: string): Promise<void> {
  const row = await deps.prisma.session.findUnique({ where: { hash: hashToken(id) }, select: { id: true } });
  if (!row) return;
  await deps.prisma.session.deleteMany({ where: { id: row.id } });
  await deps.bus.publish({ type: "access", tokenId: null, sessionId: row.id });
}

function json(res: ServerResponse, status: number, body: unknown, cookies: string[] = []) {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...(cookies.length ? { "set-cookie": cookies } : {}),
  });
  res.end(JSON.stringify(body));
}

function cookie(req: IncomingMessage, name: string, value: string, maxAge: number): string {
  const secure = req.headers["x-forwarded-proto"] === "https" || (req.socket as { encrypted?: boolean }).encrypted ? "; Secure" : "";
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

/** Clears the cookie in which older versions kept the API token itself. */
function clearLegacy(req: IncomingMessage): string[] {
  return /(^|;\s*)lineage_token=/.test(String(req.headers.cookie ?? "")) ? [cookie(req, LEGACY_TOKEN_COOKIE, "", 0)] : [];
}

async function readToken(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 4096) throw new LineageError("body_too_large", "the sign-in body is too large");
  }
  let body: unknown;
  try {
    body = JSON.parse(text || "{}");
  } catch {
    throw new LineageError("invalid_json", "the body is not valid JSON");
  }
  const token = (body as { token?: unknown })?.token;
  if (typeof token !== "string" || token.trim().length === 0) {
    throw new LineageError("invalid_input", "token: required", [{ field: "token", message: "required", accepted: "an API token" }]);
  }
  return token.trim();
}

export async function handleSession(req: IncomingMessage, res: ServerResponse, options: { auth: AuthSettings; deps: SessionDeps }) {
  const { auth, deps } = options;
  if (req.method === "GET") {
    const session = readCookie(req, SESSION_COOKIE);
    const found = auth.enabled && session ? await auth.verifier.verify({ kind: "session", value: session }) : null;
    return json(res, 200, { authRequired: auth.enabled, signedIn: !auth.enabled || found !== null, role: auth.enabled ? (found?.role ?? null) : "admin" });
  }
  if (req.method === "POST") {
    // Login CSRF: another site must not sign a visitor in to a session of its choosing.
    checkOrigin(req.headers, auth, "a sign-in");
    const token = await readToken(req);
    const found = await auth.verifier.verify({ kind: "token", value: token });
    if (!found) throw new LineageError("unauthorized", "the API token is not valid (unknown or revoked)");
    const session = await createSession(deps, found.tokenId);
    return json(res, 200, { signedIn: true, role: found.role }, [cookie(req, SESSION_COOKIE, session.id, SESSION_MAX_AGE_SECONDS), ...clearLegacy(req)]);
  }
  if (req.method === "DELETE") {
    const session = readCookie(req, SESSION_COOKIE);
    if (session) await endSession(deps, session);
    return json(res, 200, { signedIn: false }, [cookie(req, SESSION_COOKIE, "", 0), ...clearLegacy(req)]);
  }
  throw new LineageError("method_not_allowed", "use GET, POST or DELETE on /api/v1/session");
}
