// API tokens: random, shown once, stored only as SHA-256 hashes, revocable.
import { createHash, randomBytes } from "node:crypto";
import { LineageError } from "../api/errors";
import type { PrismaClient } from "../db/generated/client";
import type { Role } from "./roles";

export const TOKEN_PREFIX = "lin_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface TokenView {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type TokenRow = { id: number; name: string; role: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

function view(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Creates a token; the returned `token` is the only time it is ever seen. `input.token` is for LINEAGE_ADMIN_TOKEN. */
export async function createToken(
  prisma: Pick<PrismaClient, "apiToken">,
  input: { name: string; role: Role; token?: string },
): Promise<TokenView & { token: string }> {
  const token = input.token ?? `${TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
  const row = await prisma.apiToken.create({
    data: { name: input.name, role: input.role, hash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) },
  });
  return { ...view(row), token };
}

export async function listTokens(prisma: PrismaClient): Promise<TokenView[]> {
  return (await prisma.apiToken.findMany({ orderBy: { id: "asc" } })).map(view);
}

export async function revokeToken(prisma: PrismaClient, id: number, now: Date): Promise<TokenView> {
  const row = await prisma.apiToken.findUnique({ where: { id } });
  if (!row) throw new LineageError("not_found", `no token with id ${id}`, [{ field: "id", message: "unknown token" }]);
  if (row.revokedAt) return view(row);
  return view(await prisma.apiToken.update({ where: { id }, data: { revokedAt: now } }));
}

export async function countTokens(prisma: PrismaClient): Promise<number> {
  return prisma.apiToken.count();
}

/**
 * Looks tokens up with a short cache: one indexed read per token every few seconds rather than
 * one per request. A revocation takes effect in every process within `ttlMs`.
 */
export function createTokenVerifier(prisma: PrismaClient, now: () => Date, ttlMs = 5000) {
  const cache = new Map<string, { at: number; token: { id: number; role: Role } | null }>();
  return {
    async verify(token: string): Promise<{ id: number; role: Role } | null> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
      const hash = hashToken(token);
      const t = now().getTime();
      const hit = cache.get(hash);
      if (hit && t - hit.at < ttlMs) return hit.token;
      const row = await prisma.apiToken.findUnique({ where: { hash }, select: { id: true, role: true, revokedAt: true } });
      const found = row && !row.revokedAt ? { id: row.id, role: row.role as Role } : null;
      if (found) await prisma.apiToken.update({ where: { id: found.id }, data: { lastUsedAt: now() } });
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { at: t, token: found });
      return found;
    },
    forget() {
      cache.clear();
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
