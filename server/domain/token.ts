// An API token as the APIs show it: never the token itself (only its creation answer holds it).
import { z } from "zod";
import { isoDate } from "./json";

/** A token's role: admin (everything), worker (read, and the worker calls), viewer (read only). */
export const ROLES = ["admin", "worker", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const tokenSchema = z.object({
  id: z.int(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string().describe("the token's first characters"),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export type Token = z.infer<typeof tokenSchema>;
