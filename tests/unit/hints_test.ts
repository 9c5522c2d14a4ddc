/**
 * Hints are true and runnable: every `kubectl kserve …` command written anywhere in lib/ parses
 * with the plugin's own CLI, every plain `kubectl …` command with kubectl's own (the kubectl on
 * PATH, which `deno task test` makes the cluster's), and fix commands fit the install's owner,
 * version and mode.
 */
import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli.ts";
import type { KServeInstall } from "../../lib/kserve/detect.ts";
import { foreignInstall, resolveHint } from "../../lib/kserve/hints.ts";
import { assertHintParses } from "../support/hints.ts";

const LIB = new URL("../../lib/", import.meta.url).pathname;

/** A command runs until a character that ends it in prose: ; , ( ) | quotes, or a line end. */
const COMMAND = /kubectl kserve((?: [^\s;,()|'"`\\]+)*)/g;

/** Sample values for the template expressions hints are built from; an unknown one fails. */
function sample(expression: string, glued: boolean): string {
  if (glued) return ""; // "${kind}${version}": an optional " --version vX" suffix
  if (/(^|\.)(name)$/.test(expression)) return "iris";
  if (/namespace$/i.test(expression)) return "models";
  if (/(^|\.)(kind|mode)$/.test(expression)) return "raw";
  if (/version|kserve$/i.test(expression)) return "v0.16.0";
  if (/dest$/.test(expression)) return "./manifests";
  if (/secret$/i.test(expression)) return "hf-token";
  throw new Error(`no sample value for \${${expression}}: add one to hints_test.ts`);
}

async function hintTemplates(): Promise<{ file: string; command: string }[]> {
  const found: { file: string; command: string }[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      // The generated help shows usage ("kubectl kserve [command] [flags]"), not a hint.
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".generated.ts")) {
        // Comments name commands in passing; hints and messages are code.
        const code = (await Deno.readTextFile(path)).split("\n")
          .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line)).join("\n");
        for (const match of code.matchAll(COMMAND)) {
          found.push({ file: path.slice(LIB.length), command: match[0] });
        }
      }
    }
  };
  await walk(LIB);
  return found;
}

Deno.test("every kubectl kserve command written in lib/ parses with the plugin's own CLI", async () => {
  const templates = await hintTemplates();
  assert.ok(templates.length > 30, `only ${templates.length} found`);
  const failures: string[] = [];
  for (const { file, command } of templates) {
    const text = command.replace(
      /\$\{([^}]+)\}/g,
      (_all, expression: string, offset: number, whole: string) =>
        sample(expression, whole[offset - 1] === "}"),
    );
    const argv = text.split(" ").slice(2).filter(Boolean);
    try {
      await parseCommandLine(argv);
    } catch (error) {
      failures.push(`${file}: "${command}" -> ${(error as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});

/** kubectl's verbs that hints in lib/ use, and the plugin; "kubectl would …" is prose. */
const KUBECTL_VERB =
  /kubectl (?:kserve install --mode raw\b|annotate|apply|auth|cluster-info|config|create|delete|describe|edit|get|label|logs|patch|rollout|scale|set|taint|wait)\b/;

/**
 * Every `${…}` of a template (nested braces included) replaced by "x" (a name, to kubectl), and
 * `${REAPPLY}` by the command it stands for.
 */
function withPlaceholders(code: string): string {
  let out = "";
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== "$" || code[i + 1] !== "{") {
      out += code[i];
      continue;
    }
    let depth = 0;
    let j = i + 1;
    for (; j < code.length; j++) {
      if (code[j] === "{") depth++;
      else if (code[j] === "}" && --depth === 0) break;
    }
    // A check hint's "{reapply}" becomes a command once the install is known (resolveHint).
    out += code.slice(i + 2, j) === "REAPPLY" ? "kubectl kserve install --mode raw" : "x";
    i = j;
  }
  return out;
}

Deno.test("every plain kubectl command written in lib/ parses with kubectl's own parser", async () => {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".generated.ts")) {
        const code = withPlaceholders(await Deno.readTextFile(path)).split("\n")
          .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line));
        for (const line of code) {
          for (const match of line.matchAll(new RegExp(`${KUBECTL_VERB.source}.*`, "g"))) {
            found.push(`${path.slice(LIB.length)}: ${match[0]}`);
          }
        }
      }
    }
  };
  await walk(LIB);
  assert.ok(found.length > 40, `only ${found.length} found`);
  const failures: string[] = [];
  for (const hint of found) {
    const command = hint.slice(hint.indexOf(": ") + 2).replace(
      /^(.*?);? *(?=kubectl kserve|$)/,
      "$1",
    );
    await assertHintParses(command).catch((error: Error) =>
      failures.push(`${hint}\n    -> ${error.message.split("\n")[0]}`)
    );
  }
  assert.deepEqual(failures, []);
});

const base: KServeInstall = {
  installed: true,
  namespace: "kserve",
  version: "v0.16.0",
  apiServed: true,
  owner: { by: "kubectl-kserve" },
};

Deno.test("resolveHint(): re-apply keeps the install's own mode, version and namespace", () => {
  const hint = "Re-apply KServe: {reapply}; kubectl get pods -n {kserve-ns}";
  assert.equal(
    resolveHint(hint, base, "Serverless"),
    "Re-apply KServe: kubectl kserve install --mode serverless --version v0.16.0; kubectl get pods -n kserve",
  );
  assert.equal(
    resolveHint("{reapply}", { ...base, version: "v0.15.2" }, "RawDeployment"),
    "kubectl kserve install --mode raw",
    "a version this plugin does not install is not pinned in the hint",
  );
});

Deno.test("resolveHint(): a Helm or kubectl install gets its owner's command, never kubectl kserve install", () => {
  const helm: KServeInstall = {
    ...base,
    owner: { by: "helm", release: "kserve", namespace: "kserve" },
  };
  assert.equal(
    resolveHint("{reapply}", helm, "Standard"),
    "helm upgrade kserve oci://ghcr.io/kserve/charts/kserve --version v0.16.0 -n kserve --reuse-values",
  );
  assert.match(
    resolveHint("{mode:raw}", helm),
    /--set kserve\.controller\.deploymentMode=Standard$/,
  );
  // The controller's chart was renamed kserve-resources in v0.17: each version's hint names its own.
  for (
    const [version, chart] of [["v0.20.0", "kserve-resources"], ["v0.18.0", "kserve-resources"]]
  ) {
    assert.equal(
      resolveHint("{reapply}", { ...helm, version }, "Standard"),
      `helm upgrade kserve oci://ghcr.io/kserve/charts/${chart} --version ${version} -n kserve --reuse-values`,
    );
    assert.match(resolveHint("{mode:raw}", { ...helm, version }), new RegExp(`charts/${chart} `));
  }
  const kubeflow: KServeInstall = {
    ...base,
    namespace: "kubeflow",
    owner: { by: "other", managers: ["kubectl"] },
  };
  assert.match(
    resolveHint("{mode:raw}", kubeflow),
    /^kubectl edit configmap inferenceservice-config -n kubeflow/,
  );
  assert.match(resolveHint("{reapply}", kubeflow), /kserve_kubeflow\.yaml$/);
});

Deno.test("foreignInstall(): names the owner and its command; Kubeflow's install offers no --force", () => {
  assert.equal(foreignInstall(base, "install"), undefined);
  const helm = foreignInstall(
    { ...base, owner: { by: "helm", release: "kserve", namespace: "kserve" } },
    "uninstall",
  )!;
  assert.match(helm.message, /installed by Helm, release kserve in namespace kserve/);
  assert.match(helm.hint, /helm uninstall kserve -n kserve.*--force/);
  const kubeflow = foreignInstall(
    { ...base, namespace: "kubeflow", owner: { by: "other", managers: ["kubectl"] } },
    "install",
    "v0.20.0",
  )!;
  assert.match(kubeflow.message, /from Kubeflow's kserve_kubeflow\.yaml/);
  assert.doesNotMatch(kubeflow.hint, /--force/);
});

Deno.test("foreignInstall(): uninstall's refusal names the models its owner's command deletes with the CRDs", () => {
  // Field report: `kubectl delete -f kserve.yaml` deletes the CRDs, and every model, silently.
  const models = [
    { kind: "InferenceService", name: "iris", namespace: "models" },
    { kind: "InferenceGraph", name: "flow", namespace: "team-a" },
  ];
  const kubectl = foreignInstall(
    { ...base, owner: { by: "other", managers: ["kubectl"] } },
    "uninstall",
    undefined,
    undefined,
    models,
  )!;
  assert.match(
    kubectl.hint,
    /^Remove it with its owner's tool: kubectl delete -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve\.yaml \(deleting KServe's CRDs deletes every object of them: 2 model object\(s\), InferenceService models\/iris, InferenceGraph team-a\/flow; delete or back them up first\)/,
  );
  const helm = foreignInstall(
    { ...base, owner: { by: "helm", release: "kserve", namespace: "kserve" } },
    "uninstall",
    undefined,
    { by: "helm", release: "kserve-crd", namespace: "kserve" },
    models.slice(0, 1),
  )!;
  assert.match(
    helm.hint,
    /helm uninstall kserve-crd -n kserve \(.*1 model object\(s\), InferenceService models\/iris;/,
  );
  // Without models, and for install, nothing is said about them.
  const none = foreignInstall({ ...base, owner: { by: "other", managers: [] } }, "uninstall")!;
  assert.doesNotMatch(none.hint, /model/);
  const install = foreignInstall(
    { ...base, owner: { by: "other", managers: [] } },
    "install",
    "v0.16.0",
    undefined,
    models,
  )!;
  assert.doesNotMatch(install.hint, /model/);
});

Deno.test("resolveHint(): runtimes and the storage container come from the file that holds them", async () => {
  const { selectChecks } = await import("../../lib/checks/catalog.ts");
  const hintOf = (id: string) =>
    selectChecks({ pre: false, withModels: false }).find((c) => c.id === id)!.hint;
  const kubeflow: KServeInstall = {
    ...base,
    namespace: "kubeflow",
    owner: { by: "other", managers: ["kubectl"] },
  };
  // Field report: Kubeflow's (and kubectl's) install got kserve_kubeflow.yaml, which holds no
  // ClusterServingRuntime; they are in kserve-cluster-resources.yaml.
  const clusterResources =
    /kubectl apply --server-side -f https:\/\/github\.com\/kserve\/kserve\/releases\/download\/v0\.16\.0\/kserve-cluster-resources\.yaml$/;
  assert.match(
    resolveHint(hintOf("runtimes.cluster-serving-runtimes"), kubeflow),
    clusterResources,
  );
  assert.match(resolveHint(hintOf("runtimes.storage-container"), kubeflow), clusterResources);
  // Sibling: in v0.20.0 ClusterStorageContainer "default" is in kserve.yaml (the fixtures).
  const kubectl20: KServeInstall = { ...kubeflow, namespace: "kserve", version: "v0.20.0" };
  assert.match(
    resolveHint(hintOf("runtimes.storage-container"), kubectl20),
    /releases\/download\/v0\.20\.0\/kserve\.yaml$/,
  );
  assert.match(
    resolveHint(hintOf("runtimes.cluster-serving-runtimes"), kubectl20),
    /v0\.20\.0\/kserve-cluster-resources\.yaml$/,
  );
  // Helm's chart holds both: its upgrade re-creates them.
  const helm: KServeInstall = {
    ...base,
    owner: { by: "helm", release: "kserve", namespace: "kserve" },
  };
  assert.match(
    resolveHint(hintOf("runtimes.cluster-serving-runtimes"), helm),
    /helm upgrade kserve /,
  );
  assert.match(resolveHint(hintOf("runtimes.storage-container"), helm), /helm upgrade kserve /);
});

Deno.test("resolveHint(): with a Knative default and no Knative, the hint adds Knative, never switches to Knative again", async () => {
  const { selectChecks } = await import("../../lib/checks/catalog.ts");
  const mode = selectChecks({ pre: false, withModels: false }).find((c) =>
    c.id === "mode.default"
  )!;
  const helm: KServeInstall = {
    ...base,
    owner: { by: "helm", release: "kserve", namespace: "kserve" },
  };
  // Field report: "or install Knative Serving and use it: helm upgrade ... deploymentMode=Knative",
  // which was already the value and installs no Knative.
  for (
    const install of [helm, {
      ...base,
      namespace: "kubeflow",
      owner: { by: "other" as const, managers: ["kubectl"] },
    }]
  ) {
    const hint = resolveHint(mode.hint, install, "Knative");
    assert.doesNotMatch(hint, /=Knative|to Knative\)/, hint);
    assert.match(hint, /install Knative Serving and a networking layer \(https:\/\/knative\.dev\//);
    assert.match(
      hint,
      new RegExp(
        `kubectl rollout restart deployment/kserve-controller-manager -n ${install.namespace}$`,
      ),
    );
  }
  // This plugin's own install adds Knative itself.
  assert.match(
    resolveHint(mode.hint, base, "Knative"),
    /add Knative Serving: kubectl kserve install --mode serverless --version v0\.16\.0$/,
  );
  // Sibling: mode.knative (asked for with --mode serverless on a raw default) adds Knative and
  // switches the default, by the owner's tool.
  const knative = selectChecks({ pre: false, withModels: false }).find((c) =>
    c.id === "mode.knative"
  )!;
  const helmHint = resolveHint(knative.hint, helm, "Standard");
  assert.match(
    helmHint,
    /install Knative Serving .*then helm upgrade .*deploymentMode=Knative, then kubectl rollout restart/,
  );
});

Deno.test("foreignInstall(): a Helm install's CRD chart is upgraded first and removed last, by its release name", () => {
  const helm: KServeInstall = {
    ...base,
    owner: { by: "helm", release: "kserve", namespace: "kserve" },
  };
  const crds = { by: "helm" as const, release: "serving-crds", namespace: "platform" };
  assert.match(
    foreignInstall(helm, "install", "v0.20.0", crds)!.hint,
    /^Upgrade it with its owner's tool: helm upgrade serving-crds oci:\/\/ghcr\.io\/kserve\/charts\/kserve-crd --version v0\.20\.0 -n platform, then helm upgrade kserve oci:\/\/ghcr\.io\/kserve\/charts\/kserve-resources --version v0\.20\.0 -n kserve --reuse-values, or pass --force/,
  );
  assert.match(
    foreignInstall(helm, "uninstall", undefined, crds)!.hint,
    /helm uninstall kserve -n kserve, then helm uninstall serving-crds -n platform,/,
  );
  // CRDs not from a Helm release of their own (one chart, or applied by kubectl): no second command.
  assert.doesNotMatch(foreignInstall(helm, "install", "v0.20.0")!.hint, /kserve-crd/);
});

Deno.test("llmPresetsSource(): a missing preset is put back by the llmisvc controller's owner: its Helm chart, the release file, or install", async () => {
  const { llmPresetsSource } = await import("../../lib/kserve/llm.ts");
  assert.deepEqual(
    llmPresetsSource("v0.20.0", { by: "helm", release: "llmisvc", namespace: "kserve" }),
    {
      where: "KServe v0.20.0's Helm chart oci://ghcr.io/kserve/charts/kserve-llmisvc-resources",
      fix:
        "helm upgrade llmisvc oci://ghcr.io/kserve/charts/kserve-llmisvc-resources --version v0.20.0 -n kserve --reuse-values",
    },
  );
  assert.match(
    llmPresetsSource("v0.16.0", { by: "helm", release: "llm", namespace: "ops" }).fix,
    /^helm upgrade llm oci:\/\/ghcr\.io\/kserve\/charts\/llmisvc-resources --version v0\.16\.0 -n ops/,
  );
  const other = llmPresetsSource("v0.20.0", { by: "other", managers: ["argocd"] });
  assert.equal(other.where, "KServe v0.20.0's kserve-cluster-resources.yaml");
  assert.equal(
    other.fix,
    "kubectl apply --server-side -f https://github.com/kserve/kserve/releases/download/v0.20.0/kserve-cluster-resources.yaml",
  );
  assert.equal(llmPresetsSource("v0.20.0", { by: "kubectl-kserve" }).fix, "{reapply}");
  assert.equal(llmPresetsSource("v0.20.0", undefined).fix, "{reapply}");
});
