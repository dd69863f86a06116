// Keeps the planner's table statistics current on PGlite, the way PostgreSQL's auto-analyze does.
//
// You probably don't need to edit this file, unless you change how often or how much it samples.
// PostgreSQL needs none of it (autovacuum analyzes its tables); server/main.ts starts it for PGlite
// only, which has no autovacuum: nothing ever runs ANALYZE there, and the planner then guesses
// from default selectivities (the population query once took 3 s a decision that way; see
// server/scheduler/population.ts, which no longer depends on statistics at all). Other reads (the
// dashboard's, paging through events and jobs) still plan better with real row counts.
//
// Every `intervalMs` one catalog query finds the tables whose rows inserted, updated or deleted
// since their last ANALYZE (pg_stat_user_tables.n_mod_since_analyze) exceed 50 + 10 % of the rows
// that ANALYZE counted (pg_class.reltuples), which is auto-analyze's rule with its default
// autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, and analyzes them. PGlite
// forgets those counters when it closes, so a table that holds rows but was never analyzed
// (reltuples < 0, e.g. a database from before this file) is analyzed at once.
//
// PGlite runs in this process's thread: an ANALYZE holds the event loop for as long as it takes.
// PostgreSQL's default sample (30,000 rows) took 0.5–1 s on a 50,000-job table here, so the sample
// is 3,000 rows (statistics target 10): 30–70 ms on a busy machine, whatever the table's size.
// (Leaving the JSON columns out would halve that, but an ANALYZE of some columns only does not
// reset n_mod_since_analyze.)
import type { Sql } from "./sql";

export interface StatisticsKeeper {
  /** Analyzes the tables that need it now; returns their names. The timer calls this. */
  check(): Promise<string[]>;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

export interface StatisticsKeeperOptions {
  /** How often to look after the first look, which is at once (default 10 s). */
  intervalMs?: number;
  /** Errors of a check (the next check tries again). Default: console.error. */
  onError?: (error: unknown) => void;
}

/** Rows sampled per table: 300 × this (PostgreSQL's default target is 100). */
export const STATISTICS_TARGET = 10;

export function keepStatistics(sql: Sql, options: StatisticsKeeperOptions = {}): StatisticsKeeper {
  const onError = options.onError ?? ((error: unknown) => console.error("statistics keeper:", error));
  let running: Promise<string[]> | null = null;
  let stopped = false;

  async function analyzeDue(): Promise<string[]> {
    // The counters of the last second's statements are still pending (PostgreSQL publishes them
    // at most once a second); publish them at the end of this statement, for the next.
    await sql.query`SELECT pg_stat_force_next_flush()`;
    const due = await sql.query<{ table: string; statement: string }>`
      SELECT s.relname AS "table", format('ANALYZE %I', s.relname) AS statement
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = 'public'
        AND (s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) OR (c.reltuples < 0 AND pg_relation_size(s.relid) > 0))
      ORDER BY s.relname`;
    const analyzed: string[] = [];
    for (const { table, statement } of due) {
      if (stopped) break;
      await sql.transaction(async (tx) => {
        await tx.query`SET LOCAL default_statistics_target = 10`; // STATISTICS_TARGET
        await tx.query(text(statement));
      });
      analyzed.push(table);
    }
    return analyzed;
  }

  function check(): Promise<string[]> {
    running ??= analyzeDue().finally(() => (running = null));
    return running;
  }

  const tick = () => void check().catch(onError);
  // A first look right away (a database opened without statistics gets them at once), then every
  // intervalMs; neither timer keeps the process alive.
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, options.intervalMs ?? 10_000);
  first.unref();
  timer.unref();

  return {
    check,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** A statement built from a catalog name (quoted by PostgreSQL's format), no values. */
function text(statement: string): TemplateStringsArray {
  return Object.assign([statement], { raw: [statement] });
}
