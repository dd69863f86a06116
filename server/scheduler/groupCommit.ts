// Group commit: calls with the same key that arrive while that key's group is being written wait
// and are written together in the next group, with one statement (or transaction) for all of them.
// You probably don't need to edit this file: it knows nothing of experiments, and what shares a
// group is writeBatcher.ts's business.
//
// An idle key's call starts at once (after the I/O already pending), so grouping adds no latency; under load it
// is what lets throughput grow with the number of callers instead of each call paying for its own
// round trips (a statement costs about as much for thirty rows as for one).
//
// `write` answers each input with an outcome: a value, or an error that concerns that input alone
// (it wrote nothing for it). If `write` throws, the group wrote nothing at all (one transaction);
// its inputs are then written again one by one, so only the input at fault fails.

export type Outcome<O> = { value: O } | { error: unknown };

interface Waiting<I> {
  input: I;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<K, I, O> {
  private readonly waiting = new Map<K, Waiting<I>[]>();

  constructor(
    private readonly write: (key: K, inputs: I[]) => Promise<Outcome<O>[]>,
    private readonly maxGroup = 128,
  ) {}

  submit(key: K, input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const entry: Waiting<I> = { input, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push(entry); // a group is being written: join the next one
        return;
      }
      const fresh = [entry];
      this.waiting.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: K, queue: Waiting<I>[]): Promise<void> {
    while (queue.length > 0) {
      // Let the requests that have already arrived join first. PGlite runs a whole transaction in
      // promise callbacks, without giving Node's event loop a turn to read sockets; without this
      // the first request read would start a transaction alone, finish it, and only then would
      // the next request be read: groups of one, whatever the load. setImmediate runs right after
      // the pending I/O callbacks, so an idle key waits no timer.
      await new Promise((resolve) => setImmediate(resolve));
      await this.writeGroup(key, queue.splice(0, this.maxGroup));
    }
    this.waiting.delete(key);
  }

  private async writeGroup(key: K, group: Waiting<I>[]): Promise<void> {
    let outcomes: Outcome<O>[];
    try {
      outcomes = await this.write(
        key,
        group.map((w) => w.input),
      );
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const one of group) await this.writeGroup(key, [one]);
      return;
    }
    group.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) w.reject(new Error(`group commit: no outcome for input ${i} of ${group.length}`));
      else if ("error" in outcome) w.reject(outcome.error);
      else w.resolve(outcome.value);
    });
  }
}

/** Runs `fn` and turns a thrown error into that input's outcome. */
export async function outcomeOf<O>(fn: () => Promise<O>): Promise<Outcome<O>> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}
