import { operations } from "../operations";
import { mutation, query, router } from "../trpc";

export const tokensRouter = router({
  list: query(operations.listTokens),
  create: mutation(operations.createToken),
  revoke: mutation(operations.revokeToken),
});
