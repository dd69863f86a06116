// The inputs and output of a list read a page at a time (server/reads/pages.ts): tRPC answers
// { items, nextCursor }; the HTTP API answers the items and a `Link: <…>; rel="next"` header.
import { z } from "zod";
import { MAX_PAGE_SIZE } from "../domain/limits";

export const pageParams = {
  cursor: z
    .string()
    .regex(/^\d{1,10}$/, { error: "not a cursor this server gave out; pass nextCursor (or the Link header's next URL) of the page before" })
    .refine((c) => Number(c) <= 2 ** 31 - 1, { error: "not a cursor this server gave out" })
    .optional()
    .describe("where the page starts: the previous page's nextCursor (opaque)"),
  limit: z.int().min(1).max(MAX_PAGE_SIZE).default(MAX_PAGE_SIZE).describe("items in the page at most (fewer when they are large)"),
  /** Sent by tRPC's infinite queries (fetchNextPage); pages only go forward. */
  direction: z.literal("forward").optional(),
};

export function pageOutput<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe("the next page's cursor; null at the end"),
  });
}
