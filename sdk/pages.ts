// Lists come a page at a time ({ items, nextCursor }); these walk the pages for the caller.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a list, fetching its pages one after another as the caller goes. */
export async function* eachItem<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

export async function allItems<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
