// The dashboard's sign-in: a browser exchanges an API token for an http-only, SameSite=Strict
// cookie holding it, so page scripts never see the token. GET tells whether sign-in is needed.
import type { IncomingMessage, ServerResponse } from "node:http";
import { LineageError } from "../api/errors";
import { readCookie, SESSION_COOKIE, type AuthSettings } from "./request";

const MAX_AGE_SECONDS = 30 * 24 * 3600;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

function cookie(req: IncomingMessage, value: string, maxAge: number): string {
  const secure = req.headers["x-forwarded-proto"] === "https" || (req.socket as { encrypted?: boolean }).encrypted ? "; Secure" : "";
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
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
  if (typeof token !== "string" || token.length === 0) {
    throw new LineageError("invalid_input", "token: required", [{ field: "token", message: "required", accepted: "an API token" }]);
  }
  return token.trim();
}

export async function handleSession(req: IncomingMessage, res: ServerResponse, options: { auth: AuthSettings }) {
  const { auth } = options;
  if (req.method === "GET") {
    const token = readCookie(req, SESSION_COOKIE);
    const found = auth.enabled && token ? await auth.verifier.verify(token) : null;
    return json(res, 200, { authRequired: auth.enabled, signedIn: !auth.enabled || found !== null, role: auth.enabled ? (found?.role ?? null) : "admin" });
  }
  if (req.method === "POST") {
    const token = await readToken(req);
    const found = await auth.verifier.verify(token);
    if (!found) throw new LineageError("unauthorized", "the API token is not valid (unknown or revoked)");
    return json(res, 200, { signedIn: true, role: found.role }, { "set-cookie": cookie(req, token, MAX_AGE_SECONDS) });
  }
  if (req.method === "DELETE") {
    return json(res, 200, { signedIn: false }, { "set-cookie": cookie(req, "", 0) });
  }
  throw new LineageError("method_not_allowed", "use GET, POST or DELETE on /api/v1/session");
}
