// Who is asking: the bearer token of a worker or script, or the session cookie of a browser.
import type { IncomingMessage } from "node:http";
import { LineageError } from "../api/errors";
import { allows, OPEN_ACCESS, type Access, type Principal } from "./roles";
import type { TokenVerifier } from "./tokens";

export const SESSION_COOKIE = "lineage_token";
/** Browsers send this header on the dashboard's changes; a cross-site form cannot. */
export const CSRF_HEADER = "x-lineage-csrf";

export interface AuthSettings {
  enabled: boolean;
  verifier: TokenVerifier;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** The request's principal; throws 401 for a token that is missing (when required) or not valid. */
export async function authenticate(req: IncomingMessage, auth: AuthSettings): Promise<Principal> {
  const header = req.headers.authorization;
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
  const cookie = bearer ? null : readCookie(req, SESSION_COOKIE);
  const token = bearer ?? cookie;
  if (!auth.enabled) return OPEN_ACCESS;
  if (header && !bearer) throw new LineageError("unauthorized", "the Authorization header must be `Bearer <token>`");
  if (!token) throw new LineageError("unauthorized", "this server requires an API token: send `Authorization: Bearer <token>` (create one with `lineage token create`)");
  const found = await auth.verifier.verify(token);
  if (!found) throw new LineageError("unauthorized", "the API token is not valid (unknown or revoked)");
  return { authenticated: true, role: found.role, tokenId: found.id, via: bearer ? "bearer" : "cookie" };
}

/** Refuses with 403 what the principal's role does not grant, and a browser change without the CSRF header. */
export function authorize(principal: Principal, access: Access, req: { method?: string; headers: IncomingMessage["headers"] }) {
  if (principal.role === null) return;
  if (!allows(principal.role, access)) {
    throw new LineageError("forbidden", `a ${principal.role} token may not do this (it needs ${access === "manage" ? "an admin" : access === "work" ? "a worker or admin" : "any"} token)`);
  }
  if (principal.via === "cookie" && access !== "read" && req.headers[CSRF_HEADER] !== "1") {
    throw new LineageError("forbidden", `changes from a browser session must carry the ${CSRF_HEADER} header`);
  }
}
