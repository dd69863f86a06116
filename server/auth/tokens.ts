// API tokens: random, shown once, stored only as SHA-256 hashes, revocable.
import { createHash, randomBytes } from "node:crypto";
import { LineageError } from "../domain/errors";
import type { PrismaClient } from "../db/generated/client";
import type { Bus } from "../realtime/bus";
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

/**
 * Revokes a token and ends the browser sessions made with it. Answers once every process has
 * been told (the bus), so the token is refused everywhere and its sockets are being cut.
 */
export async function revokeToken(deps: { prisma: PrismaClient; bus: Bus; now: () => Date }, id: number): Promise<TokenView> {
  const row = await deps.prisma.$transaction(async (tx) => {
    const found = await tx.apiToken.findUnique({ where: { id } });
    if (!found) throw new LineageError("not_found", `no token with id ${id}`, [{ field: "id", message: "unknown token" }]);
    await tx.session.deleteMany({ where: { tokenId: id } });
    return found.revokedAt ? found : tx.apiToken.update({ where: { id }, data: { revokedAt: deps.now() } });
  });
  // Also when it was revoked before: a process that missed that message hears it now.
  await deps.bus.publish({ type: "access", tokenId: id, sessionId: null });
  return view(row);
}

export async function countTokens(prisma: PrismaClient): Promise<number> {
  return prisma.apiToken.count();
}
