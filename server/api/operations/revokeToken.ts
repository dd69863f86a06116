import { z } from "zod";
import { revokeToken as endToken } from "../../auth/tokens";
import { tokenSchema } from "../../domain/token";
import { int32 } from "../schemas";
import { op } from "./define";

export const revokeToken = op({
  name: "revokeToken",
  access: "manage",
  summary: "Revoke an API token (every process stops accepting it, and its sockets and sessions end)",
  kind: "mutation",
  tags: ["tokens"],
  http: { method: "DELETE", path: "/tokens/{id}", params: { id: "integer" } },
  input: z.strictObject({ id: int32(1) }),
  output: tokenSchema,
  handler: (ctx, input) => endToken(ctx.scheduler.deps, input.id),
});
