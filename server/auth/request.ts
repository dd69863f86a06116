// Who is asking: the bearer token of a worker or script, or the session cookie of a browser.
import type { IncomingMessage } from "node:http";
import { LineageError } from "../domain/errors";
import { allows, OPEN_ACCESS, type Access, type Principal } from "./roles";
import type { CredentialVerifier } from "./verifier";

/** The browser's session: a random id (server/auth/session.ts), never the API token. */
export const SESSION_COOKIE = "lineage_session";
/** Where older versions kept the API token itself; never read, cleared at sign-in and sign-out. */
export const LEGACY_TOKEN_COOKIE = "lineage_token";
/** Browsers send this header on the dashboard's changes; a cross-site form cannot. */
export const CSRF_HEADER = "x-lineage-csrf";

export interface AuthSettings {
  enabled: boolean;
  verifier: CredentialVerifier;
  /**
   * Host names (beyond IP addresses, localhost and HOST) that requests may name in `Host` while
   * access control is off, and that cross-origin browsers may come from (LINEAGE_ALLOWED_HOSTS).
   * An entry starting with "." also allows its subdomains.
   */
  allowedHosts: readonly string[];
  /** The address the server listens on (HOST): a name given there is allowed too. */
  host: string;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A cookie's value, or null when it is absent or not valid percent-encoding (anyone can plant a cookie). */
export function readCookie(req: Pick<IncomingMessage, "headers">, name: string): string | null {
  const header = req.headers.cookie;
  if (typeof header !== "string") return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join("="));
    } catch {
      return null;
    }
  }
  return null;
}

export type Credential = { kind: "token"; value: string } | { kind: "session"; value: string } | null;

/** The credential a request carries: `Authorization: Bearer`, else the session cookie. Throws for a malformed Authorization. */
export function credentialOf(req: Pick<IncomingMessage, "headers">): Credential {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!bearer) throw new LineageError("unauthorized", "the Authorization header must be `Bearer <token>`");
    return { kind: "token", value: bearer };
  }
  const session = readCookie(req, SESSION_COOKIE);
  return session ? { kind: "session", value: session } : null;
}

/** The request's principal; throws 401 for a credential that is missing (when required) or not valid. */
export async function authenticate(req: Pick<IncomingMessage, "headers">, auth: AuthSettings): Promise<Principal> {
  if (!auth.enabled) return OPEN_ACCESS;
  const credential = credentialOf(req);
  if (!credential)
    throw new LineageError("unauthorized", "this server requires an API token: send `Authorization: Bearer <token>` (create one with `lineage token create`)");
  const found = await auth.verifier.verify(credential);
  if (!found) {
    throw new LineageError(
      "unauthorized",
      credential.kind === "token"
        ? "the API token is not valid (unknown or revoked)"
        : "the session has ended (signed out, expired, or its token was revoked): sign in again",
    );
  }
  return { authenticated: true, role: found.role, tokenId: found.tokenId, sessionId: found.sessionId, via: credential.kind === "token" ? "bearer" : "session" };
}

/** Refuses with 403 what the principal's role does not grant, and a browser change without the CSRF header. */
export function authorize(principal: Principal, access: Access, req: { method?: string; headers: IncomingMessage["headers"] }) {
  if (principal.role === null) return;
  if (!allows(principal.role, access)) {
    throw new LineageError(
      "forbidden",
      `a ${principal.role} token may not do this (it needs ${access === "manage" ? "an admin" : access === "work" ? "a worker or admin" : "any"} token)`,
    );
  }
  if (principal.via === "session" && access !== "read" && req.headers[CSRF_HEADER] !== "1") {
    throw new LineageError("forbidden", `changes from a browser session must carry the ${CSRF_HEADER} header`);
  }
}
