// Lists read a page at a time, in a stable order by a key that only grows as rows are added
// (job id, event seq; experiments newest first, by id): a cursor is the key of the last item of
// the page before, so paging while rows arrive loses and repeats nothing. Rows of one experiment
// are created under its row lock, so they also commit in the order of their keys.
import { MAX_PAGE_BYTES } from "../domain/limits";

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null when this page reached the end (for now). */
  nextCursor: string | null;
}

/** The key after which the page starts (cursors are validated by the API's schema: digits). */
export function cursorKey(cursor: string | undefined): number | undefined {
  return cursor === undefined ? undefined : Number(cursor);
}

/**
 * A page from rows read with `take: limit + 1`: the extra row says whether more follow. The page
 * also ends early once its items' JSON passes MAX_PAGE_BYTES (always at least one item).
 */
export function pageOf<T>(rows: T[], limit: number, keyOf: (item: T) => number): Page<T> {
  const items: T[] = [];
  let bytes = 0;
  for (const row of rows.slice(0, limit)) {
    bytes += JSON.stringify(row).length;
    if (items.length > 0 && bytes > MAX_PAGE_BYTES) break;
    items.push(row);
  }
  const more = items.length < rows.length;
  return { items, nextCursor: more && items.length > 0 ? String(keyOf(items.at(-1)!)) : null };
}
