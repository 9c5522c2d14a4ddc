/** Category "pre": before installing, can this user install the chosen mode, and does anything conflict? */
import { CERT_MANAGER, CRD_PATH, KNATIVE, KSERVE, VERSION_LABEL } from "../defaults.ts";
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";
import { versionFromImage } from "../kserve/detect.ts";
import { crdOwnerOf, foreignInstall } from "../kserve/hints.ts";
import { describeOwner, ownerOf } from "../kube/owner.ts";
import { certManagerFix, checkCertManager } from "./cert_manager.ts";
import { isDowngrade } from "../kserve/versions.ts";
import { deniedPermissions } from "./cluster.ts";
import { type Access, describeAccess, subjectFlag } from "./grants.ts";
import type { ObjectMeta } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { checkMetricsApi, METRICS_HINT } from "./metrics.ts";

import { type Check, CheckFailed } from "./check_types.ts";

type Permission = Access;

/** "edit-alice" for --user=alice: a RoleBinding name from a subject flag. */
function bindingName(subject: string): string {
  const who = subject.slice(subject.indexOf("=") + 1).toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return `edit-${who}`.slice(0, 63).replace(/-+$/, "");
}

const create = (group: string, resource: string, namespace?: string): Permission => ({
  verb: "create",
  group,
  resource,
  ...(namespace ? { namespace } : {}),
});

/** The kinds in cert-manager's and KServe's release manifests, and where they go. */
function kindsFor(mode: string): Permission[] {
  const cluster = [
    create("", "namespaces"),
    create("apiextensions.k8s.io", "customresourcedefinitions"),
    create("rbac.authorization.k8s.io", "clusterroles"),
    create("rbac.authorization.k8s.io", "clusterrolebindings"),
    create("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    create("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    create(KSERVE.apiGroup, "clusterservingruntimes"),
    create(KSERVE.apiGroup, "clusterstoragecontainers"),
  ];
  const namespaced = (namespace: string) => [
    create("apps", "deployments", namespace),
    create("apps", "daemonsets", namespace),
    create("", "services", namespace),
    create("", "serviceaccounts", namespace),
    create("", "configmaps", namespace),
    create("", "secrets", namespace),
    create("rbac.authorization.k8s.io", "roles", namespace),
    create("rbac.authorization.k8s.io", "rolebindings", namespace),
  ];
  const kserve = [
    ...namespaced(KSERVE.namespace),
    create(CERT_MANAGER.apiGroup, "issuers", KSERVE.namespace),
    create(CERT_MANAGER.apiGroup, "certificates", KSERVE.namespace),
  ];
  const knative = mode === "serverless"
    ? [
      ...namespaced(KNATIVE.namespace),
      ...namespaced(KNATIVE.kourierNamespace),
      create("autoscaling", "horizontalpodautoscalers", KNATIVE.namespace),
      create("policy", "poddisruptionbudgets", KNATIVE.namespace),
    ]
    : [];
  return [...cluster, ...namespaced(CERT_MANAGER.namespace), ...kserve, ...knative];
}

export const preChecks: Check<CheckContext>[] = [
  {
    id: "pre.permissions",
    category: "pre",
    description: "you may create every kind the chosen mode installs",
    hint: "Install as a cluster admin, or ask for these permissions",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const denied = await deniedPermissions(ctx, kindsFor(ctx.options.mode ?? "raw"));
      if (denied.length) {
        throw new CheckFailed(`Missing permissions: ${denied.map(describeAccess).join(", ")}`);
      }
    },
  },
  {
    id: "pre.conflicts",
    category: "pre",
    description: "no conflicting KServe installation exists",
    hint: "Remove the other installation first with the tool that installed it",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const kserve = await ctx.kserve();
      if (!kserve.installed) return "none installed";
      const target = ctx.options.installVersion ?? DEFAULT_KSERVE_VERSION;
      // Helm releases, Kubeflow's manifests, other tools: never taken over silently.
      const foreign = foreignInstall(
        kserve,
        "install",
        target,
        await crdOwnerOf(kserve, (path) => ctx.get(path)),
      );
      const kubeflow = kserve.namespace === KSERVE.kubeflowNamespace;
      if (foreign && (!ctx.options.takeOver || kubeflow)) {
        throw new CheckFailed(foreign.message, foreign.hint);
      }
      if (isDowngrade(kserve.version, target)) {
        // The newer release's CRDs already store API versions the older ones lack: the API
        // server would take some of the older CRDs and reject others, leaving a mix.
        throw new CheckFailed(
          `KServe ${kserve.version} is installed; installing the older ${target} over it is not supported (its CRDs store newer API versions)`,
          `Keep ${kserve.version} (kubectl kserve install --version ${kserve.version}), or remove it first: kubectl kserve uninstall`,
        );
      }
      const taking = foreign
        ? ` (taking it over from ${describeOwner(kserve.owner!)}, --force)`
        : "";
      if (kserve.version && kserve.version !== target) {
        return `KServe ${kserve.version} is installed in ${kserve.namespace}; installing ${target} upgrades it${taking}`;
      }
      return `KServe ${
        kserve.version ?? "(unknown version)"
      } is already installed in ${kserve.namespace}${taking}`;
    },
  },
  {
    id: "pre.cert-manager",
    category: "pre",
    description: "cert-manager is present, or will be installed",
    hint: "cert-manager is installed when it is missing by: kubectl kserve install",
    dependsOn: ["cluster.api"],
    retryable: true,
    async run(ctx) {
      const deployments = await ctx.deployments({
        labels: { "app.kubernetes.io/instance": "cert-manager" },
      });
      // Any one of its Deployments says it is there, even when another is gone.
      if (deployments.length === 0) return "not installed; install will add it";
      const controller = deployments.find((d) => d.metadata?.name === "cert-manager");
      const crd = await ctx.get<{ metadata?: ObjectMeta }>(
        `${CRD_PATH}/${CERT_MANAGER.certificateCrd}`,
      );
      const image = controller?.spec?.template.spec?.containers[0]?.image;
      const version = crd?.metadata?.labels?.[VERSION_LABEL] ??
        (image ? versionFromImage(image) : "(version unknown)");
      const found = `cert-manager ${version} in namespace ${
        controller?.metadata?.namespace ?? CERT_MANAGER.namespace
      }`;
      const owner = ownerOf(crd?.metadata ?? controller?.metadata ?? {});
      // One this plugin installed is applied again by install; another owner's is only kept
      // when it works (lib/install/cert_manager_plan.ts), so a broken one stops install.
      if (owner.by === "kubectl-kserve") return `${found}, installed by this plugin`;
      if (ctx.options.takeOver) {
        return `${found}, installed by ${
          describeOwner(owner)
        }; kept if it works, else replaced (--force)`;
      }
      const faults = await checkCertManager(ctx);
      if (faults.problems.length) {
        const fix = certManagerFix(faults, owner, version);
        throw new CheckFailed(
          `${found}, installed by ${describeOwner(owner)}, is not working (${
            faults.problems.join("; ")
          }): install keeps a working cert-manager of another owner and stops at a broken one`,
          `${
            fix || "Fix it with the tool that installed it"
          }; or let install replace it with --force`,
          // Missing and scaled-down Deployments stay so until someone acts.
          faults.missing.length + faults.scaled.length === faults.problems.length
            ? { transient: false }
            : {},
        );
      }
      return `${found}, installed by ${describeOwner(owner)}, working; install keeps it`;
    },
  },
];

export const deploymentModeChecks: Check<CheckContext>[] = [
  {
    id: "deployment.metrics",
    category: "deployment",
    description: "the metrics API is available, so HPAs can scale on CPU and memory",
    hint: METRICS_HINT,
    dependsOn: ["cluster.api"],
    retryable: true,
    run: checkMetricsApi,
  },
  {
    id: "deployment.permissions",
    category: "deployment",
    description: "you may create Deployments, Services and HPAs in the namespace",
    hint: "Ask for the 'edit' ClusterRole in the namespace (a RoleBinding to it, made by an admin)",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const namespace = ctx.options.modelNamespace ?? ctx.kube.namespace;
      const denied = await deniedPermissions(ctx, [
        create("apps", "deployments", namespace),
        create("", "services", namespace),
        create("autoscaling", "horizontalpodautoscalers", namespace),
      ]);
      if (denied.length) {
        const subject = await subjectFlag(ctx);
        throw new CheckFailed(
          `Missing permissions: ${denied.map(describeAccess).join(", ")}`,
          subject
            ? `Ask for the 'edit' ClusterRole in the namespace: kubectl create rolebinding ${
              bindingName(subject)
            } --clusterrole=edit ${subject} -n ${namespace}`
            : undefined,
        );
      }
      return `in namespace ${namespace}`;
    },
  },
];
