// Runs checkpoint garbage collection (checkpoints.ts) after jobs finish, outside the batch that
// finished them, one collection per experiment at a time: requests that arrive while one runs are
// folded into one more run after it, so a burst of completions costs two collections, not one each.
import { collectCheckpoints } from "./checkpoints";
import type { SchedulerDeps } from "./deps";

export class CheckpointCollector {
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Collects the experiment's checkpoints soon (now, or after the collection running now). */
  request(experimentId: number): void {
    if (this.running.has(experimentId)) {
      this.again.add(experimentId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(experimentId);
        await collectCheckpoints(this.deps, experimentId).catch((error: unknown) => {
          if ((error as { code?: string }).code !== "experiment_not_found") console.error(`checkpoint collection of experiment ${experimentId}:`, error);
        });
      } while (this.again.has(experimentId));
    })().finally(() => this.running.delete(experimentId));
    this.running.set(experimentId, run);
  }

  /** Resolves once every requested collection has run (tests; shutting down). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
