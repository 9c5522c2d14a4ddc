import assert from "node:assert/strict";
import { allPages, PAGE_SIZE } from "../../lib/kube/list.ts";
import { CliError } from "../../lib/errors.ts";

Deno.test("allPages() follows the continue chain in pages of 500, as kubectl does", async () => {
  const asked: { limit: number; continue?: string }[] = [];
  const items = await allPages((query) => {
    asked.push(query);
    const start = query.continue ? Number(query.continue) : 0;
    const end = Math.min(start + query.limit, 1_234);
    return Promise.resolve({
      items: Array.from({ length: end - start }, (_, i) => start + i),
      metadata: end < 1_234 ? { continue: String(end) } : {},
    });
  }, "inferenceservices");
  assert.equal(items.length, 1_234);
  assert.deepEqual(asked, [
    { limit: PAGE_SIZE },
    { limit: PAGE_SIZE, continue: "500" },
    { limit: PAGE_SIZE, continue: "1000" },
  ]);
});

Deno.test("allPages(): a continue token that expires mid-list (410) says so, with how many were read", async () => {
  await assert.rejects(
    () =>
      allPages((query) => {
        if (query.continue) {
          return Promise.reject(Object.assign(new Error("Gone"), { status: 410 }));
        }
        return Promise.resolve({ items: [1, 2, 3], metadata: { continue: "next" } });
      }, "deployments"),
    (e: unknown) =>
      e instanceof CliError &&
      /The list of deployments changed too much while it was read page by page \(its continue token expired after 3 items\)/
        .test(e.message) &&
      e.hint === "Run the command again; it starts a fresh list",
  );
  // A 410 on the first page is not a paging problem: it is passed on as it is.
  await assert.rejects(
    () => allPages(() => Promise.reject(Object.assign(new Error("Gone"), { status: 410 })), "x"),
    (e: unknown) => !(e instanceof CliError) && (e as Error).message === "Gone",
  );
});

Deno.test("allPages() maps each page's items as it arrives, and reads an empty page's null items", async () => {
  const seen: number[][] = [];
  const rows = await allPages<{ name: string; spec: string }, string>(
    (query) => {
      const page = query.continue ? { items: [{ name: "c", spec: "large" }], metadata: {} } : {
        items: [{ name: "a", spec: "large" }, { name: "b", spec: "large" }],
        metadata: { continue: "2" },
      };
      seen.push(page.items.map((_, i) => i));
      return Promise.resolve(page);
    },
    "inferenceservices",
    (item) => item.name,
  );
  assert.deepEqual(rows, ["a", "b", "c"]);
  assert.equal(seen.length, 2);
  // A metadata-only list (PartialObjectMetadataList) of nothing has "items": null.
  assert.deepEqual(await allPages(() => Promise.resolve({ items: null, metadata: {} }), "x"), []);
});
