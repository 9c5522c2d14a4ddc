import assert from "node:assert/strict";
import { conflictsOf } from "../../lib/kube/conflicts.ts";
import { writeNotes } from "../../lib/install/conflicts.ts";
import { CliError } from "../../lib/errors.ts";

Deno.test("conflictsOf() reads the field and manager of each cause of a 409 apply conflict", () => {
  // The API server's Status for an apply without force over another manager's value.
  const conflicts = conflictsOf([
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "kubectl-edit" using admissionregistration.k8s.io/v1',
      field: '.webhooks[name="inferenceservice.kserve-webhook-server.validator"].rules',
    },
    { reason: "FieldValueInvalid", message: "not a conflict", field: ".spec" },
  ], "ValidatingWebhookConfiguration inferenceservice.serving.kserve.io");
  assert.deepEqual(conflicts, [{
    object: "ValidatingWebhookConfiguration inferenceservice.serving.kserve.io",
    field: '.webhooks[name="inferenceservice.kserve-webhook-server.validator"].rules',
    manager: "kubectl-edit",
  }]);
});

Deno.test("writeNotes() refuses conflicts without --force-conflicts and names replacements", () => {
  const conflicts = [{
    object: "ClusterServingRuntime x",
    field: ".spec.containers",
    manager: "argocd",
  }];
  assert.throws(
    () => writeNotes({ conflicts, replacements: [] }, false),
    (e: unknown) =>
      e instanceof CliError &&
      /ClusterServingRuntime x: \.spec\.containers \(set by argocd\)/.test(e.message),
  );
  const replacement = { object: "ClusterRoleBinding b", reason: "cannot change roleRef", key: "k" };
  const notes = writeNotes({
    conflicts,
    replacements: [replacement],
  }, true);
  assert.match(notes[0]!, /Taking 1 field\(s\) back/);
  assert.match(
    notes[1]!,
    /Replacing 1 object\(s\).*\n {2}ClusterRoleBinding b \(cannot change roleRef\)/,
  );
  const planned = writeNotes({ conflicts: [], replacements: [{ ...replacement }] }, false, true);
  assert.match(planned[0]!, /^Would replace 1 object\(s\)/);
});
