// Who may do what. Every API operation names the access it needs.
import type { Role } from "../domain/token";

export { ROLES, type Role } from "../domain/token";

/**
 * read: look at experiments and jobs; work: the worker calls (next job, heartbeat, metrics,
 * complete, fail); manage: create, change, delete experiments, push jobs, manage tokens.
 */
export type Access = "read" | "work" | "manage";

const GRANTS: Record<Role, Access[]> = {
  admin: ["read", "work", "manage"],
  // A worker reads the experiment it works on (its SDK looks it up by name first).
  worker: ["read", "work"],
  viewer: ["read"],
};

export function allows(role: Role, access: Access): boolean {
  return GRANTS[role].includes(access);
}

/** What a request may do: `role` null means access control is off (loopback, LINEAGE_AUTH=off). */
export interface Principal {
  authenticated: boolean;
  role: Role | null;
  tokenId: number | null;
  /** The browser session the request came with (signing out ends it). */
  sessionId: number | null;
  /** How the credential came: a browser's session needs a CSRF check on changes, a bearer token does not. */
  via: "bearer" | "session" | "none";
}

export const OPEN_ACCESS: Principal = { authenticated: false, role: null, tokenId: null, sessionId: null, via: "none" };
