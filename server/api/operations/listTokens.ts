import { z } from "zod";
import { listTokens as readTokens } from "../../auth/tokens";
import { tokenSchema } from "../../domain/token";
import { op } from "./define";

export const listTokens = op({
  name: "listTokens",
  access: "manage",
  summary: "List API tokens (never the tokens themselves)",
  kind: "query",
  tags: ["tokens"],
  http: { method: "GET", path: "/tokens" },
  input: z.strictObject({}).optional(),
  output: z.array(tokenSchema),
  handler: (ctx) => readTokens(ctx.db.prisma),
});
