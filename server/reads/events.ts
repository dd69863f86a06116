// Reading an experiment's event log: what a reconnecting dashboard or socket missed.
import type { LineageEvent } from "../domain/event";
import { toEvent } from "../db/rows";
import { getExperiment } from "./experiments";
import { cursorKey, pageOf, type Page } from "./pages";
import type { ReadDeps } from "./deps";

/** Events after `afterSeq`, oldest first: what a reconnecting dashboard missed. */
export async function listEvents(db: ReadDeps, name: string, afterSeq: number, limit = 1000): Promise<LineageEvent[]> {
  const experiment = await getExperiment(db, name);
  return listEventsById(db, experiment.id, afterSeq, limit);
}

/** A page of an experiment's events after `afterSeq` (or the cursor), oldest first. */
export async function listEventsPage(db: ReadDeps, name: string, options: { afterSeq?: number; cursor?: string; limit: number }): Promise<Page<LineageEvent>> {
  const experiment = await getExperiment(db, name);
  const events = await listEventsById(db, experiment.id, cursorKey(options.cursor) ?? options.afterSeq ?? 0, options.limit + 1);
  return pageOf(events, options.limit, (e) => e.seq);
}

export async function listEventsById(db: ReadDeps, experimentId: number, afterSeq: number, limit = 1000): Promise<LineageEvent[]> {
  const events = await db.prisma.event.findMany({
    where: { experimentId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
  });
  return events.map(toEvent);
}
