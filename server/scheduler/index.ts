// The locked write path: the Scheduler (scheduler.ts) and what callers need of it.
export { Scheduler, type SchedulerOptions } from "./scheduler";
export type { SchedulerDeps } from "./deps";
export type { NextJobAnswer } from "./nextJob";

import { Scheduler, type SchedulerOptions } from "./scheduler";
import type { SchedulerDeps } from "./deps";

export function createScheduler(deps: SchedulerDeps, options: SchedulerOptions): Scheduler {
  return new Scheduler(deps, options);
}
