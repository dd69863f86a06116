// The results of each member's latest finished job, for the population table's result columns
// (any key a worker reports: a loss, an accuracy, a checkpoint's path). Scalars only, bounded:
// one row per member, at most MAX_KEYS keys, long strings cut.
import { LineageError } from "../../domain/errors";
import type { PrismaClient } from "../../db/generated/client";
import type { MemberResults } from "../../domain/overview";
import { readStoredConfig } from "../../domain/experiment";

export const MAX_KEYS = 100;
const MAX_STRING = 200;

export async function memberResults(prisma: PrismaClient, name: string): Promise<MemberResults> {
  const experiment = await prisma.experiment.findUnique({ where: { name }, select: { id: true, config: true } });
  if (!experiment) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  // Each member's latest finished job through the (experimentId, member, id) index: members are
  // 0..populationSize-1, so no scan of the history finds them.
  const populationSize = readStoredConfig(experiment.config).populationSize;
  const rows = await prisma.$queryRaw<{ member: number; id: number; results: unknown }[]>`
    SELECT m.member, j.id, j.results FROM generate_series(0, ${populationSize - 1}::int) AS m(member)
    CROSS JOIN LATERAL (
      SELECT id, results FROM "Job" WHERE "experimentId" = ${experiment.id} AND member = m.member AND status = 'done' ORDER BY id DESC LIMIT 1
    ) j ORDER BY m.member`;
  const keys = new Set<string>();
  const members = rows.map((row) => {
    const values: MemberResults["members"][number]["values"] = {};
    const results = row.results && typeof row.results === "object" && !Array.isArray(row.results) ? (row.results as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(results)) {
      if (value !== null && typeof value === "object") continue; // nested values are not a column
      if (!keys.has(key) && keys.size >= MAX_KEYS) continue;
      keys.add(key);
      values[key] = typeof value === "string" && value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : (value as number | string | boolean | null);
    }
    return { member: row.member, jobId: row.id, values };
  });
  return { keys: [...keys].sort(), members };
}
