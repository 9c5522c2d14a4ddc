/**
 * Lists that stay cheap on large clusters: pages of 500 items chained by `continue`, as kubectl
 * does, so a cluster with thousands of objects is never read in one response. A page token that
 * expires mid-list (410 Gone, after etcd compaction) is an error that says what happened.
 */
import { CliError } from "../errors.ts";
import type { Kube } from "./client.ts";

/** kubectl's page size (--chunk-size default). */
export const PAGE_SIZE = 500;

export interface Page<T> {
  items: T[] | null;
  metadata?: { continue?: string; resourceVersion?: string };
}

/**
 * Every item of a collection, page by page, from `fetchPage` (one request per page). Pure
 * apart from `fetchPage`, so the paging is tested on plain data. `map` turns each item into
 * what the caller keeps as its page arrives, so a page's full objects are not all held at once.
 */
export async function allPages<T, R = T>(
  fetchPage: (query: { limit: number; continue?: string }) => Promise<Page<T> | undefined>,
  what: string,
  map: (item: T) => R = (item) => item as unknown as R,
): Promise<R[]> {
  const items: R[] = [];
  let token: string | undefined;
  do {
    let page: Page<T> | undefined;
    try {
      page = await fetchPage({ limit: PAGE_SIZE, ...(token ? { continue: token } : {}) });
    } catch (error) {
      if (token && (error as { status?: number }).status === 410) {
        throw new CliError(
          `The list of ${what} changed too much while it was read page by page (its continue token expired after ${items.length} items)`,
          { hint: "Run the command again; it starts a fresh list", cause: error },
        );
      }
      throw error;
    }
    if (!page) return items;
    // A metadata-only list of nothing has "items": null.
    for (const item of page.items ?? []) items.push(map(item));
    token = page.metadata?.continue || undefined;
  } while (token);
  return items;
}

/** A collection's items in pages, each through `map`; undefined when the API is not served (404). */
export async function listPaged<T, R = T>(
  kube: Kube,
  path: string,
  query: Record<string, string | undefined> = {},
  map?: (item: T) => R,
): Promise<R[] | undefined> {
  let served = true;
  const items = await allPages<T, R>(
    async (page) => {
      const result = await kube.getOptional<Page<T>>(path, { query: { ...query, ...page } });
      if (!result) served = false;
      return result;
    },
    path.slice(path.lastIndexOf("/") + 1),
    map,
  );
  return served ? items : undefined;
}
