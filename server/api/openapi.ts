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

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, operation] of Object.entries(operations as Record<string, Operation>)) {
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
    const bodyRequired = (input.required ?? []).filter((r) => r in properties);
    const hasBody = http.method !== "GET" && http.method !== "DELETE" && Object.keys(properties).length > 0;
    paths[`/api/v1${http.path}`] ??= {};
    paths[`/api/v1${http.path}`]![http.method.toLowerCase()] = {
      operationId: name,
      summary: operation.summary,
      tags: operation.tags,
      parameters,
      ...(hasBody
        ? {
            requestBody: {
              required: bodyRequired.length > 0,
              content: { "application/json": { schema: { ...input, properties, required: bodyRequired } } },
            },
          }
        : {}),
      responses: {
        [String(http.status ?? 200)]: {
          description: "Success",
          content: { "application/json": { schema: jsonSchema(operation.output, "output") } },
        },
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
