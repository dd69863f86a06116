import { decideNext } from "../pbt/decide";
import type { EventLog, LockedExperiment } from "./experimentLock";
import { loadPopulation } from "./population";
import type { Tx } from "./deps";

/** Marks the experiment done as soon as every member reached the stopping rule. */
export async function settleExperiment(tx: Tx, experiment: LockedExperiment, log: EventLog) {
  if (experiment.status === "done") return;
  const members = await loadPopulation(tx, experiment.id, experiment.config.populationSize);
  const decision = decideNext({ config: experiment.config, members });
  if (decision.kind === "done") await markDone(tx, experiment, log, "every member reached the stopping rule");
}

export async function markDone(tx: Tx, experiment: LockedExperiment, log: EventLog, reason: string) {
  if (experiment.status === "done") return;
  await tx.query`UPDATE "Experiment" SET status = 'done', "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = ${experiment.id}`;
  log.add("experiment.status", { data: { from: experiment.status, to: "done", reason } });
  experiment.status = "done";
}
