// Knative Serving's images, played by its real binaries (built by build_knative.sh from
// knative.dev/serving). The release manifests name the images by digest only, so the runner
// finds a digest's release here; tests/unit/runner_knative_test.ts checks every digest against
// the manifests in the fixtures (knative-serving/<release>/serving-core.yaml).

/** The commands build_knative.sh builds, one image each (cmd/<name>). */
export const KNATIVE_COMMANDS = [
  "controller",
  "webhook",
  "autoscaler",
  "activator",
  "queue",
] as const;
export type KnativeCommand = typeof KNATIVE_COMMANDS[number];

/** Image digests (sha256) of each Knative Serving release the test cluster plays, by command. */
export const KNATIVE_IMAGE_DIGESTS: Readonly<Record<string, Record<KnativeCommand, string>>> = {
  "v1.15.2": {
    controller: "b2134eada0ef0105acb0d824f5a1803d25f0ec6079cb0dd2c2ad2296b4697d89",
    webhook: "d138fd82b127b11216c46b8afc83d6bf97d63b9828894255211c4d6afd5a0a93",
    autoscaler: "2c6f0796b2f5c387079a4476c1bf04faae452dccb56157a43cb2a8791559fff6",
    activator: "ee130d9e7e217b4cb4d844881491688e20f3a91a0e4de750eb663ec5db30a162",
    queue: "56142833a9f87213e055045f0ea59c3f00f024d095c052f7669f7b9d77c55e54",
  },
  "v1.21.1": {
    controller: "622546def05a9b181123d35ede4e4a6e60d7751ae558ea2c5306978b30c24d5c",
    webhook: "8754cefd1f1db905495de5ba707b37459cc212b830d40962162654986d264d74",
    autoscaler: "35045ef7c35c6151f0565094cc5ec240a886ba2e5a844366b22a074342af3edf",
    activator: "cf8d126fc08e596b742025f6e53c97abf921f7bd6394d29c200e79c1c323dc6e",
    queue: "40957d3ced3b185b7a78bbd771be69b0a13137dcbee5ff7f82ae738b56037d9c",
  },
};

/** The image pattern: group 1 is the command, group 2 the digest. */
export const KNATIVE_IMAGE_PATTERN =
  `^gcr[.]io/knative-releases/knative[.]dev/serving/cmd/(${KNATIVE_COMMANDS.join("|")})` +
  "@sha256:([0-9a-f]{64})$";

/** The release an image digest belongs to, or undefined for a digest the table lacks. */
export function knativeRelease(command: string, digest: string): string | undefined {
  return Object.entries(KNATIVE_IMAGE_DIGESTS)
    .find(([, digests]) => digests[command as KnativeCommand] === digest)?.[0];
}

/**
 * knative.dev/serving's Go module version for a release: the minor plus 27 (v1.15.2 -> v0.42.2).
 * The same rule as knative_module_version in versions.sh, which names the cache folder.
 */
export function knativeModuleVersion(release: string): string {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(release);
  if (!m) throw new Error(`not a Knative release version: ${release}`);
  return `v0.${Number(m[1]) + 27}.${m[2]}`;
}
