// What a hostile web page can make a visitor's browser send, refused before anything else runs:
// - DNS rebinding: a page on a name the attacker controls, re-pointed at this server, reads and
//   writes with the page's own `Host`. Without access control, only names this server is known
//   by pass (IP addresses cannot be rebound);
// - cross-site "simple" requests: any page can POST a form or a body-less request without
//   asking first, but not one with `content-type: application/json`, so every write needs it;
// - cross-site sockets and sign-ins: WebSockets and form posts are not held back by the
//   same-origin policy, so their `Origin` must be this server's own.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { LineageError } from "../domain/errors";
import { isLoopback, type AuthSettings } from "./request";

type Headers = IncomingMessage["headers"];

/** The host name of a `Host`-style value (`name`, `name:port`, `[v6]:port`), lowercased; null when malformed. */
function hostnameOf(host: string): string | null {
  if (!/^[A-Za-z0-9.\-_]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return null;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name.toLowerCase();
}

function listed(hostname: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.startsWith(".") ? hostname === entry.slice(1) || hostname.endsWith(entry) : hostname === entry));
}

/** Names a request may give in `Host` when access control is off. */
export function hostAllowed(host: string | undefined, auth: Pick<AuthSettings, "allowedHosts" | "host">): boolean {
  // HTTP/1.0 clients may send none; a browser always does.
  if (host === undefined) return true;
  const hostname = hostnameOf(host);
  if (hostname === null) return false;
  if (isIP(hostname) !== 0 || isLoopback(hostname)) return true;
  return hostname === auth.host.toLowerCase() || listed(hostname, auth.allowedHosts);
}

/** Refuses a request whose `Host` names a host this server is not known by (only when access control is off). */
export function checkHost(req: Pick<IncomingMessage, "headers">, auth: Pick<AuthSettings, "enabled" | "allowedHosts" | "host">) {
  if (auth.enabled || hostAllowed(req.headers.host, auth)) return;
  throw new LineageError(
    "forbidden",
    `this server does not answer to the host name in the Host header (${JSON.stringify(String(req.headers.host).slice(0, 100))}): ` +
      "without access control it answers only to IP addresses, localhost and the names listed in LINEAGE_ALLOWED_HOSTS (a page on another name could be DNS rebinding)",
  );
}

const WRITES = new Set(["POST", "PUT", "PATCH"]);

export function isJsonContentType(type: string | undefined): boolean {
  return typeof type === "string" && /^application\/json\s*(;|$)/i.test(type);
}

export function isOctetStream(type: string | undefined): boolean {
  return typeof type === "string" && /^application\/octet-stream\s*(;|$)/i.test(type);
}

/**
 * Refuses a write to the APIs that does not declare a JSON body (415), as every web page can send
 * those across sites. A PUT of raw bytes (a checkpoint upload) passes: application/octet-stream is
 * no content-type a page of another site can send without the browser asking first (CORS
 * preflight); which routes take it is the HTTP API's business (server/api/http.ts).
 */
export function requireJsonWrites(req: Pick<IncomingMessage, "method" | "url" | "headers">) {
  if (!WRITES.has(req.method ?? "")) return;
  // As the API routes read it (dot segments resolved), so that `/x/../api/...` is no way around.
  let path: string;
  try {
    path = new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    path = req.url ?? "/";
  }
  if (!path.startsWith("/api/")) return;
  const type = req.headers["content-type"];
  if (isJsonContentType(type)) return;
  if (req.method === "PUT" && isOctetStream(type)) return;
  throw new LineageError(
    "unsupported_media_type",
    `a ${req.method} to the API must have content-type: application/json and a JSON body (send {} when there is nothing to send); ` +
      `got ${type === undefined ? "no content-type" : JSON.stringify(type.slice(0, 100))}`,
  );
}

/**
 * Whether a browser request comes from a page of this server: no `Origin` (not a cross-site
 * browser request), or one whose host is the request's own `Host` (or `X-Forwarded-Host`
 * behind a proxy, which a page cannot set), or a listed name.
 */
export function sameOrigin(headers: Headers, auth: Pick<AuthSettings, "allowedHosts">): boolean {
  const origin = headers.origin;
  if (origin === undefined) return headers["sec-fetch-site"] !== "cross-site";
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === "null" || !/^https?:$/.test(url.protocol)) return false;
  const own = [
    headers.host,
    String(headers["x-forwarded-host"] ?? "")
      .split(",")[0]
      ?.trim(),
  ]
    .filter((h): h is string => typeof h === "string" && h !== "")
    .flatMap((h) => [h.toLowerCase(), h.toLowerCase().replace(/:(80|443)$/, "")]);
  return own.includes(url.host) || listed(url.hostname.replace(/^\[|\]$/g, ""), auth.allowedHosts);
}

export function checkOrigin(headers: Headers, auth: Pick<AuthSettings, "allowedHosts">, what: string) {
  if (sameOrigin(headers, auth)) return;
  throw new LineageError(
    "forbidden",
    `${what} from a page of another site is refused (Origin ${JSON.stringify(String(headers.origin ?? "").slice(0, 100))}); ` +
      "list the site's host name in LINEAGE_ALLOWED_HOSTS if it is yours",
  );
}
