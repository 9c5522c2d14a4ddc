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
  items: T[];
  metadata?: { continue?: string; resourceVersion?: string };
}

/**
 * Every item of a collection, page by page, from `fetchPage` (one request per page). Pure
 * apart from `fetchPage`, so the paging is tested on plain data.
 */
export async function allPages<T>(
  fetchPage: (query: { limit: number; continue?: string }) => Promise<Page<T> | undefined>,
  what: string,
): Promise<T[]> {
  const items: T[] = [];
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
    items.push(...page.items);
    token = page.metadata?.continue || undefined;
  } while (token);
  return items;
}

/** A collection's items in pages; undefined when the API is not served (404). */
export async function listPaged<T>(
  kube: Kube,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<T[] | undefined> {
  let served = true;
  const items = await allPages<T>(async (page) => {
    const result = await kube.getOptional<Page<T>>(path, { query: { ...query, ...page } });
    if (!result) served = false;
    return result;
  }, path.slice(path.lastIndexOf("/") + 1));
  return served ? items : undefined;
}
