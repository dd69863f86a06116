import { z } from "zod";
import { ROLES } from "../../auth/roles";
import { createToken as mintToken } from "../../auth/tokens";
import { tokenSchema } from "../../domain/token";
import { op } from "./define";

export const createToken = op({
  name: "createToken",
  access: "manage",
  summary: "Create an API token; the answer is the only time the token is shown",
  kind: "mutation",
  tags: ["tokens"],
  http: { method: "POST", path: "/tokens", status: 201 },
  input: z.strictObject({
    name: z.string().min(1, { error: "must not be empty" }).max(100),
    role: z.enum(ROLES),
  }),
  output: tokenSchema.extend({ token: z.string() }),
  handler: (ctx, input) => mintToken(ctx.db.prisma, input),
});
