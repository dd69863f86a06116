// The server's environment, parsed once: a bad value stops start-up with a message naming it.
import { z } from "zod";

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default("127.0.0.1"),
    /** postgresql://... to use PostgreSQL; unset, the embedded PGlite database is used. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" })
      .optional(),
    /** Folder of the embedded database (and, by default, of checkpoints). */
    LINEAGE_DATA_DIR: z.string().min(1).default(".lineage"),
    /** How often the lease reaper looks for expired leases, in milliseconds. */
    LINEAGE_REAPER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
    /** What a worker asking for work is told to wait when there is nothing to hand out. */
    LINEAGE_RETRY_AFTER_SECONDS: z.coerce.number().min(0.05).max(3600).default(2),
    /** Largest request body accepted by the APIs, in bytes. */
    LINEAGE_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /**
     * API tokens: "auto" requires them whenever HOST is not loopback; "on" always; "off" never
     * (on a non-loopback HOST only with a loud warning).
     */
    LINEAGE_AUTH: z.enum(["auto", "on", "off"]).default("auto"),
    /** The first admin token, for automated set-ups (e.g. from a secret); otherwise one is drawn and printed. */
    LINEAGE_ADMIN_TOKEN: z
      .string()
      .regex(/^lin_[A-Za-z0-9_-]{24,}$/, { error: "must be lin_ followed by at least 24 letters, digits, _ or -" })
      .optional(),
    /**
     * Host names, comma-separated, that browsers may use for this server beyond IP addresses,
     * localhost and HOST: without access control a request naming another host is refused (DNS
     * rebinding), and a page of a listed site may open sockets and sign in. ".example.com" also
     * allows its subdomains.
     */
    LINEAGE_ALLOWED_HOSTS: z
      .string()
      .default("")
      .transform((text, ctx) => {
        const hosts = text
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter((h) => h !== "");
        const bad = hosts.find((h) => !/^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(h));
        if (bad !== undefined) {
          ctx.addIssue({
            code: "custom",
            message: `${JSON.stringify(bad)} is not a host name: give names separated by commas, without ports or schemes (e.g. lineage.lan,.example.com)`,
          });
          return z.NEVER;
        }
        return hosts;
      }),
    /**
     * Where uploaded checkpoints are kept: a directory (default <LINEAGE_DATA_DIR>/checkpoints; a
     * shared mount serves several server processes), or s3://BUCKET[/PREFIX] for an S3-compatible
     * object store (credentials and region from the usual AWS environment variables).
     */
    LINEAGE_CHECKPOINT_STORE: z
      .string()
      .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(v), {
        error: "must be a directory path or s3://BUCKET[/PREFIX] (a bucket name: lowercase letters, digits, dots and hyphens)",
      })
      .optional(),
    /** The URL of an S3-compatible store other than AWS (MinIO, Ceph, R2...), for s3:// stores. */
    LINEAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
    /** Largest checkpoint accepted, in bytes (default 10 GiB). */
    LINEAGE_MAX_CHECKPOINT_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(Number.MAX_SAFE_INTEGER)
      .default(10 * 1024 ** 3),
    /** "off" serves only the APIs and socket.io (no Next.js): used by API tests and benchmarks. */
    LINEAGE_UI: z.enum(["on", "off", "dev"]).default("on"),
    /**
     * Tests only: "on" gives the server a clock tests can move forward (POST /api/v1/testing/clock,
     * server/clock.ts), so leases run out without waiting. Refused with NODE_ENV=production.
     */
    LINEAGE_TEST_CLOCK: z.enum(["on", "off"]).default("off"),
    NODE_ENV: z.string().optional(),
  })
  .refine((env) => !(env.LINEAGE_TEST_CLOCK === "on" && env.NODE_ENV === "production"), {
    path: ["LINEAGE_TEST_CLOCK"],
    error: "is for tests only and cannot be on with NODE_ENV=production",
  });

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable means "not set", as in most tools.
  const set = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
