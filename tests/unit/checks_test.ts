import assert from "node:assert/strict";
import { type Check, CheckFailed, SkipCheck } from "../../lib/checks/check_types.ts";
import { runChecks, timedOut, toReport } from "../../lib/checks/runner.ts";
import { renderJson, renderText } from "../../lib/checks/render.ts";
import { styles } from "../../lib/output.ts";

type Ctx = { attempt: number };

function fake(
  id: string,
  outcome: () => string | void,
  extra: Partial<Check<Ctx>> = {},
): Check<Ctx> {
  return {
    id,
    category: "kserve",
    description: `${id} holds`,
    hint: `fix ${id}`,
    run: () => Promise.resolve().then(outcome),
    ...extra,
  };
}

const fail = (message: string, hint?: string) => () => {
  throw new CheckFailed(message, hint);
};

Deno.test("runChecks() skips dependants of a failed check, with the reason", async () => {
  const results = await runChecks([
    fake("a", fail("a is broken")),
    fake("b", () => "ok", { dependsOn: ["a"] }),
    fake("c", () => {}, { dependsOn: ["b"] }),
    fake("d", () => {}),
  ], { freshContext: () => ({ attempt: 0 }) });
  assert.deepEqual(results.map((r) => [r.id, r.result]), [["a", "fail"], ["b", "skip"], [
    "c",
    "skip",
  ], [
    "d",
    "pass",
  ]]);
  assert.equal(results[1]!.error, 'skipped: "a holds" did not pass');
  assert.equal(results[0]!.hint, "fix a");
});

Deno.test("runChecks() reports warnings, own skips and hints from the failure", async () => {
  const results = await runChecks([
    fake("w", fail("meh"), { warning: true }),
    fake("after-warning", () => {}, { dependsOn: ["w"] }),
    fake("s", () => {
      throw new SkipCheck("not relevant");
    }),
    fake("h", fail("broken", "run this instead")),
  ], { freshContext: () => ({ attempt: 0 }) });
  assert.deepEqual(results.map((r) => r.result), ["warn", "pass", "skip", "fail"]);
  assert.equal(results[2]!.error, "not relevant");
  assert.equal(results[3]!.hint, "run this instead");
});

Deno.test("runChecks() answers an error a check did not expect with that error's hint, not the check's", async () => {
  // Field report: a user who may read one namespace saw "Install it" for a Forbidden list.
  const { KubeApiError } = await import("../../lib/kube/errors.ts");
  const results = await runChecks([
    fake("forbidden", () => {
      throw new KubeApiError("Forbidden: cannot list deployments", {
        status: 403,
        hint: "Ask a cluster admin for an RBAC rule",
      });
    }),
    fake("bare", () => {
      throw new Error("boom");
    }),
    fake("own", fail("broken")),
  ], { freshContext: () => ({ attempt: 0 }) });
  assert.deepEqual(results.map((r) => r.hint), [
    "Ask a cluster admin for an RBAC rule",
    undefined,
    "fix own",
  ]);
});

Deno.test("runChecks() runs independent checks in parallel", async () => {
  let running = 0;
  let peak = 0;
  const slow = (id: string) =>
    fake(id, () => {}, {
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    });
  await runChecks([slow("a"), slow("b"), slow("c")], { freshContext: () => ({ attempt: 0 }) });
  assert.equal(peak, 3);
});

Deno.test("runChecks() retries a transient failure with a fresh context until it passes", async () => {
  let contexts = 0;
  const results = await runChecks([
    fake("r", () => {}, {
      retryable: true,
      run: (ctx) =>
        ctx.attempt < 2
          ? Promise.reject(new CheckFailed("waiting for x", undefined, { transient: true }))
          : Promise.resolve(),
    }),
  ], {
    freshContext: () => ({ attempt: contexts++ }),
    retryUntil: Date.now() + 5_000,
    retryIntervalMs: 10,
  });
  assert.equal(results[0]!.result, "pass");
  assert.equal(contexts, 3);
});

Deno.test("runChecks(): a failure no finding calls transient is lasting, even in a retryable check: --wait returns at once and it is no time-out", async () => {
  // Field report: a deleted Deployment, a quota refusal, a failed Knative revision and a Knative
  // feature flag that is off were each "still settling", and check --wait spent its budget.
  let contexts = 0;
  const started = Date.now();
  const results = await runChecks([
    fake("gone", () => {}, {
      retryable: true,
      run: () =>
        Promise.reject(
          new CheckFailed("Deployment kserve/kserve-controller-manager does not exist"),
        ),
    }),
  ], {
    freshContext: () => ({ attempt: contexts++ }),
    retryUntil: Date.now() + 60_000,
    retryIntervalMs: 10,
  });
  assert.equal(results[0]!.result, "fail");
  assert.equal(results[0]!.transient, undefined);
  assert.equal(contexts, 1, "tried once");
  assert.ok(Date.now() - started < 5_000);
  assert.equal(timedOut(results), false, "exit 1, not 124");
  // Sibling: a transient finding left at the deadline is a time-out.
  const waiting = await runChecks([
    fake("w", () => {}, {
      run: () => Promise.reject(new CheckFailed("waiting for y", undefined, { transient: true })),
    }),
  ], { freshContext: () => ({ attempt: 0 }), retryUntil: Date.now() + 50, retryIntervalMs: 10 });
  assert.equal(waiting[0]!.transient, true);
  assert.equal(timedOut(waiting), true);
});

Deno.test("toReport() and the renderers group by category in order", async () => {
  const results = await runChecks([
    fake("k", fail("broken", "do this")),
    { ...fake("c", () => "v1.36"), category: "cluster" },
    fake("s", () => {}, { dependsOn: ["k"] }),
  ], { freshContext: () => ({ attempt: 0 }) });
  const report = toReport(results, { kserveVersion: "v0.16.0", mode: "Standard" });
  assert.deepEqual(JSON.parse(renderJson(report)), {
    success: false,
    kserveVersion: "v0.16.0",
    mode: "Standard",
    categories: [
      {
        name: "cluster",
        checks: [{
          id: "c",
          category: "cluster",
          description: "c holds",
          result: "pass",
          note: "v1.36",
        }],
      },
      {
        name: "kserve",
        checks: [
          {
            id: "k",
            category: "kserve",
            description: "k holds",
            result: "fail",
            error: "broken",
            hint: "do this",
          },
          {
            id: "s",
            category: "kserve",
            description: "s holds",
            result: "skip",
            error: 'skipped: "k holds" did not pass',
          },
        ],
      },
    ],
  });
  assert.equal(
    renderText(report, styles(false)),
    [
      "cluster",
      "-------",
      "√ c holds",
      "    v1.36",
      "",
      "kserve",
      "------",
      "× k holds",
      "    broken",
      "    hint: do this",
      '- s holds (skipped: "k holds" did not pass)',
      "",
      "Status check results are × (1 passed, 1 failed, 1 skipped)",
      "",
    ].join("\n"),
  );
});

Deno.test("renderText() counts one warning in the singular and two in the plural", () => {
  const warn = (id: string) => ({
    id,
    category: "mode" as const,
    description: `${id} holds`,
    result: "warn" as const,
    error: "not yet",
  });
  const summary = (n: number) =>
    renderText(
      { success: true, categories: [{ name: "mode", checks: [warn("a"), warn("b")].slice(0, n) }] },
      styles(false),
    ).trimEnd().split("\n").at(-1);
  assert.equal(summary(1), "Status check results are √ (0 passed, 1 warning)");
  assert.equal(summary(2), "Status check results are √ (0 passed, 2 warnings)");
});

Deno.test("startedBefore() names the KServe controller pods that started before Knative's CRD", async () => {
  const { startedBefore } = await import("../../lib/kserve/knative_seen.ts");
  const crd = "2026-11-30T10:00:05Z";
  const pod = (name: string, startTime?: string) => ({ metadata: { name }, status: { startTime } });
  const pods = [pod("early", "2026-11-30T09:00:00Z"), pod("late", "2026-11-30T10:00:06Z")];
  for (const ties of ["blind", "seeing"] as const) {
    assert.deepEqual(startedBefore(pods, crd, ties), ["early (started 2026-11-30T09:00:00Z)"]);
  }
  // One-second timestamps: a pod of the CRD's own second cannot be placed. install restarts it
  // (its successor starts later); check does not report what it cannot back up.
  assert.deepEqual(startedBefore([pod("same", crd)], crd, "blind"), [`same (started ${crd})`]);
  assert.deepEqual(startedBefore([pod("same", crd)], crd, "seeing"), []);
  // No Knative CRD, or a pod not started yet: nothing to restart.
  assert.deepEqual(startedBefore([pod("early", "2026-11-30T09:00:00Z")], undefined, "blind"), []);
  assert.deepEqual(startedBefore([pod("pending")], crd, "blind"), []);
});

Deno.test("countOf() puts the noun in the number of the count (install's plan, restarts, warnings)", async () => {
  const { countOf } = await import("../../lib/output.ts");
  assert.equal(countOf(1, "object"), "1 object");
  assert.equal(countOf(0, "object"), "0 objects");
  assert.equal(countOf(3, "webhook configuration"), "3 webhook configurations");
  assert.equal(countOf(1, "time"), "1 time");
});
