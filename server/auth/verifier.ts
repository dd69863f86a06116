// Checks API tokens and browser sessions, with a short cache so that a busy worker costs one
// indexed read every few seconds rather than one per request. Revocation and sign-out empty the
// cache of every process at once: they publish an "access" message on the bus, which on
// PostgreSQL answers only when every listening process has acted on it (postgresBus.ts). The
// time limit only bounds the damage of a process that was not listening then.
import type { PrismaClient } from "../db/generated/client";
import type { Bus } from "../realtime/bus";
import type { Credential } from "./request";
import type { Role } from "./roles";
import { hashToken, TOKEN_PREFIX } from "./tokens";

export interface Verified {
  tokenId: number;
  role: Role;
  /** Set when the credential is a browser session. */
  sessionId: number | null;
}

/** Session ids are 32 random bytes, base64url (server/auth/session.ts). */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function createCredentialVerifier(deps: { prisma: PrismaClient; bus?: Pick<Bus, "subscribe">; now: () => Date }, ttlMs = 5000) {
  const { prisma, now } = deps;
  const cache = new Map<string, { at: number; found: Verified | null; expiresAt: number }>();
  // Bumped whenever credentials end: a lookup that was under way then may have read them still valid.
  let epoch = 0;

  async function lookUp(credential: NonNullable<Credential>, hash: string): Promise<{ found: Verified | null; expiresAt: number }> {
    if (credential.kind === "token") {
      const row = await prisma.apiToken.findUnique({ where: { hash }, select: { id: true, role: true, revokedAt: true } });
      return { found: row && !row.revokedAt ? { tokenId: row.id, role: row.role as Role, sessionId: null } : null, expiresAt: Infinity };
    }
    const row = await prisma.session.findUnique({
      where: { hash },
      select: { id: true, expiresAt: true, token: { select: { id: true, role: true, revokedAt: true } } },
    });
    const valid = row && !row.token.revokedAt && row.expiresAt.getTime() > now().getTime();
    return {
      found: valid ? { tokenId: row.token.id, role: row.token.role as Role, sessionId: row.id } : null,
      expiresAt: row?.expiresAt.getTime() ?? Infinity,
    };
  }

  const verifier = {
    /** The token or session's holder, or null when it is unknown, revoked, signed out or expired. */
    async verify(credential: Credential): Promise<Verified | null> {
      if (!credential) return null;
      if (credential.kind === "token" && (!credential.value.startsWith(TOKEN_PREFIX) || credential.value.length > 200)) return null;
      if (credential.kind === "session" && !SESSION_ID.test(credential.value)) return null;
      const hash = hashToken(credential.value);
      // Keyed by the hash: the cache outlives requests and should not hold secrets.
      const key = `${credential.kind}:${hash}`;
      const t = now().getTime();
      const hit = cache.get(key);
      if (hit && t - hit.at < ttlMs && t < hit.expiresAt) return hit.found;
      for (let attempt = 0; ; attempt++) {
        const started = epoch;
        const result = await lookUp(credential, hash);
        if (result.found) await prisma.apiToken.update({ where: { id: result.found.tokenId }, data: { lastUsedAt: now() } });
        // Credentials ended meanwhile: read again, so that the answer is never older than the last revocation.
        if (started !== epoch && attempt < 3) continue;
        if (started === epoch) {
          if (cache.size > 10_000) cache.clear();
          cache.set(key, { at: t, ...result });
        }
        return result.found;
      }
    },
    /** Forgets every cached answer (credentials ended somewhere). */
    forget() {
      epoch++;
      cache.clear();
    },
  };
  deps.bus?.subscribe((message) => {
    if (message.type === "access") verifier.forget();
  });
  return verifier;
}

export type CredentialVerifier = ReturnType<typeof createCredentialVerifier>;
