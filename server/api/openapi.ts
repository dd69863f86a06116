// The OpenAPI 3.1 document of the worker HTTP API, generated from the operation table's zod schemas.
import { z } from "zod";
import { operations, type Operation } from "./operations";
import { errorOutput } from "./schemas";

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete out.$schema;
  return out;
}

const ERROR_RESPONSE = {
  description: "Error: a stable code, the offending field and what it accepts",
  content: { "application/json": { schema: jsonSchema(errorOutput, "output") } },
};

/**
 * A page ({ items, nextCursor } in tRPC) goes over HTTP as its items, and the next page's URL in a
 * Link header; a file as CSV or JSON, as the `format` parameter asks.
 */
function successResponse(output: z.ZodType, http: NonNullable<Operation["http"]>) {
  const schema = jsonSchema(output, "output");
  if (http.file && http.fileContentType) {
    return {
      description: "The file's bytes (Content-Disposition: attachment), streamed",
      headers: {
        "x-lineage-checksum-sha256": { description: "SHA-256 of the bytes, hex: check what you received against it", schema: { type: "string" } },
        "x-lineage-job-id": { description: "The job whose checkpoint this is", schema: { type: "integer" } },
      },
      content: { [http.fileContentType]: { schema: { type: "string", format: "binary", description: output.description } } },
    };
  }
  if (http.file) {
    return {
      description: "A file (Content-Disposition: attachment), streamed",
      content: { "application/json": { schema }, "text/csv": { schema: { type: "string" } } },
    };
  }
  if (!http.paged) return { description: "Success", content: { "application/json": { schema } } };
  return {
    description: "A page of the list, at most `limit` items (fewer when they are large)",
    headers: {
      Link: {
        description:
          'The next page, as `<URL>; rel="next"` (the same query with `cursor` set); absent on the last page. Items added while paging come on later pages; none is repeated or skipped.',
        schema: { type: "string" },
      },
    },
    content: { "application/json": { schema: schema.properties?.items ?? schema } },
  };
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const http = operation.http;
    if (!http) continue;
    const input = jsonSchema(operation.input, "input");
    const inPath = [...http.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const properties = { ...(input.properties ?? {}) };
    const parameters = Object.entries(http.params ?? {}).map(([param, type]) => {
      const where = inPath.includes(param) ? "path" : "query";
      const schema = properties[param] ?? { type };
      delete properties[param];
      return { name: param, in: where, required: where === "path" || (input.required ?? []).includes(param), schema };
    });
    for (const [field, header] of Object.entries(http.headers ?? {})) {
      const schema = properties[field] ?? { type: "string" };
      delete properties[field];
      parameters.push({ name: header, in: "header", required: (input.required ?? []).includes(field), schema });
    }
    const bodyRequired = (input.required ?? []).filter((r) => r in properties);
    const hasBody = http.method !== "GET" && http.method !== "DELETE" && Object.keys(properties).length > 0;
    paths[`/api/v1${http.path}`] ??= {};
    paths[`/api/v1${http.path}`]![http.method.toLowerCase()] = {
      operationId: operation.name,
      summary: operation.summary,
      tags: operation.tags,
      parameters,
      ...(http.rawBody
        ? { requestBody: { required: true, content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } } }
        : hasBody
          ? {
              requestBody: {
                required: bodyRequired.length > 0,
                content: { "application/json": { schema: { ...input, properties, required: bodyRequired } } },
              },
            }
          : {}),
      responses: {
        [String(http.status ?? 200)]: successResponse(operation.output, http),
        "4XX": ERROR_RESPONSE,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Lineage worker API",
      version: "1",
      description:
        "Population Based Training server. A worker asks for its next job (POST /experiments/{name}/next-job), sends heartbeats while it trains, reports metric points, and completes or fails the job. Every call on a job carries the lease token the worker was given.",
    },
    paths,
  };
}
