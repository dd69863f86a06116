import { z } from "zod";
import { eventSchema } from "../../domain/event";
import { listEventsPage } from "../../reads";
import { pageOutput, pageParams } from "../paging";
import { experimentNameRef, int32 } from "../schemas";
import { op } from "./define";

export const listEvents = op({
  name: "listEvents",
  access: "read",
  summary: "An experiment's events after a sequence number, a page at a time",
  kind: "query",
  tags: ["experiments"],
  http: {
    method: "GET",
    path: "/experiments/{name}/events",
    params: { name: "string", afterSeq: "integer", cursor: "string", limit: "integer" },
    paged: true,
  },
  input: z.strictObject({
    name: experimentNameRef,
    afterSeq: int32(0).optional().describe("the page starts after this seq (the cursor, when given, wins)"),
    ...pageParams,
  }),
  output: pageOutput(eventSchema),
  handler: (ctx, input) => listEventsPage(ctx.db, input.name, input),
});
