/**
 * Whether install applies cert-manager, keeps the one it finds, or stops: a pure decision from
 * the certificates.cert-manager.io CRD (its owner and release label) and a webhook probe.
 * Never a downgrade of ours, never a silent take-over of someone else's.
 */
import { CliError } from "../errors.ts";
import type { KubeObject } from "../kube/client.ts";
import { describeOwner, type OwnedMetadata, ownerOf } from "../kube/owner.ts";
import { newerCertManager, releaseVersion } from "./component_specs.ts";
import { type CertManagerFaults, certManagerFix } from "../checks/cert_manager.ts";

export type CertManagerDecision =
  | { action: "apply" }
  | { action: "keep"; version: string; reason: string };

export interface CertManagerFacts {
  /** The certificates.cert-manager.io CRD, when it exists. */
  existing?: KubeObject;
  /** The version this KServe release pins. */
  pinned: string;
  /** --cert-manager-version. */
  requested?: string;
  /**
   * Why it does not work (checks/cert_manager.ts certManagerFaults: its Deployments Available,
   * its webhook answering); asked only when `needsProbe` says so. No problems: it works.
   */
  faults?: CertManagerFaults;
  /** --force: replace a cert-manager of another owner. */
  force: boolean;
}

/** Whether the decision depends on cert-manager's webhook answering. */
export function needsProbe(facts: Omit<CertManagerFacts, "faults">): boolean {
  if (!facts.existing) return false;
  const ours = ownerOf(metadataOf(facts.existing)).by === "kubectl-kserve";
  return !ours || newerCertManager(facts.existing, facts.pinned, facts.requested) !== undefined;
}

/** The decision; throws CliError (before anything changed) when install must stop. */
export function decideCertManager(facts: CertManagerFacts): CertManagerDecision {
  const { existing, pinned } = facts;
  if (!existing) return { action: "apply" };
  const owner = ownerOf(metadataOf(existing));
  const version = releaseVersion(existing) ?? "(version unknown)";
  const working = facts.faults !== undefined && facts.faults.problems.length === 0;
  const why = facts.faults?.problems.length ? ` (${facts.faults.problems.join("; ")})` : "";
  if (owner.by === "kubectl-kserve") {
    const newer = newerCertManager(existing, pinned, facts.requested);
    if (!newer) return { action: "apply" };
    if (working) {
      return {
        action: "keep",
        version: newer,
        reason:
          `it is newer than the ${pinned} this release pins, and working; kept (--cert-manager-version ${pinned} installs that one)`,
      };
    }
    throw new CliError(
      `cert-manager ${newer} (installed by this plugin) is not working${why}, and this release's ${pinned} would downgrade it`,
      {
        hint:
          `Re-apply it with --cert-manager-version ${newer}, or see why with: kubectl kserve check`,
      },
    );
  }
  if (working) {
    return { action: "keep", version, reason: "a working cert-manager is already installed" };
  }
  if (facts.force) return { action: "apply" };
  const fix = facts.faults && certManagerFix(facts.faults, owner, version);
  throw new CliError(
    `cert-manager ${version} was installed by ${
      describeOwner(owner)
    } and is not working${why}; install will not replace it`,
    {
      hint: fix
        ? `${fix}; or pass --force to replace it with cert-manager ${facts.requested ?? pinned}`
        : owner.by === "helm"
        ? `Fix it with Helm (helm status ${owner.release} -n ${owner.namespace}; see why with: kubectl kserve check), or pass --force to replace it with cert-manager ${
          facts.requested ?? pinned
        }`
        : `Fix it with the tool that installed it (see why with: kubectl kserve check), or pass --force to replace it with cert-manager ${
          facts.requested ?? pinned
        }`,
    },
  );
}

function metadataOf(object: KubeObject): OwnedMetadata {
  return (object.metadata ?? {}) as OwnedMetadata;
}
